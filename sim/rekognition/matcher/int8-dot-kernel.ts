// The exact scoring kernel of the neural search: the integer dot product of one query with every
// stored descriptor (1024 signed bytes each, side by side), in WebAssembly SIMD.
//
// Why WebAssembly: in plain JavaScript 100,000 x 1024 multiply-adds take about 100 ms of CPU; with
// 128-bit SIMD (i32x4.dot_i16x8_s: eight multiply-adds per instruction) the whole collection is
// scored in a few milliseconds, so search can score every face exactly instead of guessing which
// ones to skip. Integer arithmetic only: the same bytes give the same sums on every machine.
//
// Why written out as bytes: the function is 40 instructions, and a toolchain (wat2wasm, a C or
// AssemblyScript compiler) would be a build dependency for that. The module is assembled below
// from named opcodes; test/rekognition/neural-face-index.test.ts checks it against a plain
// JavaScript dot product. Its text form:
//
//   (module
//     (memory (export "memory") 1)
//     (func (export "dots") (param $query i32) (param $vectors i32) (param $count i32) (param $out i32)
//       (local $end i32) (local $offset i32) (local $x v128) (local $sum v128)
//       (if (i32.eqz (local.get $count)) (then (return)))
//       (local.set $end (i32.add (local.get $vectors) (i32.shl (local.get $count) (i32.const 10))))
//       (loop $faces
//         (local.set $sum (v128.const i32x4 0 0 0 0))
//         (local.set $offset (i32.const 0))
//         (loop $chunks                                   ;; 16 bytes of the face per step
//           (local.set $x (v128.load (i32.add (local.get $vectors) (local.get $offset))))
//           (local.set $sum (i32x4.add (local.get $sum)
//             (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $x))
//                                (v128.load (i32.add (local.get $query) (i32.shl (local.get $offset) (i32.const 1)))))))
//           (local.set $sum (i32x4.add (local.get $sum)
//             (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $x))
//                                (v128.load offset=16 (i32.add (local.get $query) (i32.shl (local.get $offset) (i32.const 1)))))))
//           (br_if $chunks (i32.lt_u (local.tee $offset (i32.add (local.get $offset) (i32.const 16))) (i32.const 1024))))
//         (i32.store (local.get $out) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
//                                              (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
//         (local.set $out (i32.add (local.get $out) (i32.const 4)))
//         (br_if $faces (i32.lt_u (local.tee $vectors (i32.add (local.get $vectors) (i32.const 1024))) (local.get $end))))))
//
// The query is given widened to 16-bit integers (2048 bytes), so only the stored bytes are
// widened in the loop.

import { DESCRIPTOR_LENGTH } from './neural-descriptor.js';

/** Unsigned LEB128. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 (for i32.const). */
function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
const vector = (items: number[][]) => [...leb(items.length), ...items.flat()];
const name = (text: string) => [...leb(text.length), ...Buffer.from(text, 'utf8')];

// Opcodes (WebAssembly core 2.0, SIMD ones after the 0xfd prefix).
const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Shl: 0x74,
  void: 0x40,
} as const;
const simd = (code: number, ...immediates: number[]) => [0xfd, ...leb(code), ...immediates];
const v128Load = (offset: number) => simd(0x00, 4, ...leb(offset)); // align 2^4
const v128Const0 = simd(0x0c, ...new Array<number>(16).fill(0));
const i32x4ExtractLane = (lane: number) => simd(0x1b, lane);
const i16x8ExtendLowI8x16S = simd(0x87);
const i16x8ExtendHighI8x16S = simd(0x88);
const i32x4Add = simd(0xae);
const i32x4DotI16x8S = simd(0xba);

// Locals: 0 query, 1 vectors, 2 count, 3 out (parameters), 4 end, 5 offset, 6 x, 7 sum.
const [QUERY, VECTORS, COUNT, OUT, END, OFFSET, X, SUM] = [0, 1, 2, 3, 4, 5, 6, 7];
const get = (local: number) => [op.localGet, local];
const set = (local: number) => [op.localSet, local];
const queryAddress = [...get(QUERY), ...get(OFFSET), op.i32Const, 1, op.i32Shl, op.i32Add];
const halfProduct = (extend: number[], queryOffset: number) => [...get(SUM), ...get(X), ...extend, ...queryAddress, ...v128Load(queryOffset), ...i32x4DotI16x8S, ...i32x4Add, ...set(SUM)];

// The function's instructions (after its locals: 2 x i32, 2 x v128).
const code = [
  // if count == 0 return
  ...get(COUNT),
  op.i32Eqz,
  op.brIf,
  0,
  // end = vectors + count * 1024
  ...get(VECTORS),
  ...get(COUNT),
  op.i32Const,
  ...sleb(10),
  op.i32Shl,
  op.i32Add,
  ...set(END),
  op.loop,
  op.void,
  ...v128Const0,
  ...set(SUM),
  op.i32Const,
  0,
  ...set(OFFSET),
  op.loop,
  op.void,
  // 16 bytes of the face per step (unrolling four steps measured no faster: memory bound).
  ...get(VECTORS),
  ...get(OFFSET),
  op.i32Add,
  ...v128Load(0),
  ...set(X),
  ...halfProduct(i16x8ExtendLowI8x16S, 0),
  ...halfProduct(i16x8ExtendHighI8x16S, 16),
  ...get(OFFSET),
  op.i32Const,
  ...sleb(16),
  op.i32Add,
  op.localTee,
  OFFSET,
  op.i32Const,
  ...sleb(DESCRIPTOR_LENGTH),
  op.i32LtU,
  op.brIf,
  0,
  op.end,
  ...get(OUT),
  ...get(SUM),
  ...i32x4ExtractLane(0),
  ...get(SUM),
  ...i32x4ExtractLane(1),
  op.i32Add,
  ...get(SUM),
  ...i32x4ExtractLane(2),
  ...get(SUM),
  ...i32x4ExtractLane(3),
  op.i32Add,
  op.i32Add,
  op.i32Store,
  2,
  0,
  ...get(OUT),
  op.i32Const,
  4,
  op.i32Add,
  ...set(OUT),
  ...get(VECTORS),
  op.i32Const,
  ...sleb(DESCRIPTOR_LENGTH),
  op.i32Add,
  op.localTee,
  VECTORS,
  ...get(END),
  op.i32LtU,
  op.brIf,
  0,
  op.end,
  op.end,
];
const functionBody = [...leb(2), ...leb(2), I32, ...leb(2), V128, ...code];

const MODULE_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32], [I32]]), 0]])), // type 0: (i32 i32 i32 i32) -> ()
  ...section(3, vector([[0]])), // function 0 has type 0
  ...section(5, vector([[0x00, 1]])), // one memory, at least 1 page
  ...section(7, vector([[...name('memory'), 0x02, 0], [...name('dots'), 0x00, 0]])),
  ...section(10, vector([[...leb(functionBody.length), ...functionBody]])),
]);

// The project's TypeScript libraries (ES2022, Node's types) do not describe WebAssembly; the
// little used here is declared by hand.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/** Whether this JavaScript engine runs WebAssembly SIMD (Node 16.4+ does). */
export const SIMD_AVAILABLE: boolean = (() => {
  try {
    return wasm.validate(MODULE_BYTES);
  } catch {
    return false;
  }
})();

const PAGE = 65536;

/**
 * Stored descriptors in WebAssembly memory, laid out for the kernel: [query as int16 (2048 bytes)]
 * [descriptor 0][descriptor 1]...; `dots` fills a caller's Int32Array with the dot product of the
 * query and each stored descriptor. One per index; memory grows as descriptors are added.
 */
export class Int8DotKernel {
  private readonly memory: WasmMemory;
  private readonly run: (query: number, vectors: number, count: number, out: number) => void;
  private capacity = 0;
  private count = 0;

  static readonly QUERY_BYTES = DESCRIPTOR_LENGTH * 2;

  constructor() {
    if (!SIMD_AVAILABLE) throw new Error('the neural face search needs WebAssembly SIMD (Node.js 16.4 or later)');
    compiled ??= new wasm.Module(MODULE_BYTES);
    const instance = new wasm.Instance(compiled, {});
    this.memory = instance.exports.memory as WasmMemory;
    this.run = instance.exports.dots as (query: number, vectors: number, count: number, out: number) => void;
    this.capacity = this.capacityOf();
  }

  get size(): number {
    return this.count;
  }

  /** Descriptors fit after the query area and before the results area (4 bytes per descriptor). */
  private capacityOf(): number {
    return Math.floor((this.memory.buffer.byteLength - Int8DotKernel.QUERY_BYTES) / (DESCRIPTOR_LENGTH + 4));
  }

  private vectorsStart(): number {
    return Int8DotKernel.QUERY_BYTES;
  }

  /** Appends a descriptor; returns its position. */
  add(vector: Int8Array): number {
    if (this.count >= this.capacity) this.grow();
    // Results sit after the descriptors: when memory grows, the descriptors stay where they are.
    new Int8Array(this.memory.buffer, this.vectorsStart() + this.count * DESCRIPTOR_LENGTH, DESCRIPTOR_LENGTH).set(vector);
    return this.count++;
  }

  private grow(): void {
    const wanted = Math.max(1024, this.count * 2);
    const bytes = Int8DotKernel.QUERY_BYTES + wanted * (DESCRIPTOR_LENGTH + 4);
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.capacity = this.capacityOf();
  }

  /** Dot products of `query` with every stored descriptor, in the order they were added. */
  dots(query: Int8Array): Int32Array {
    const buffer = this.memory.buffer;
    new Int16Array(buffer, 0, DESCRIPTOR_LENGTH).set(query);
    const out = this.vectorsStart() + this.capacity * DESCRIPTOR_LENGTH;
    this.run(0, this.vectorsStart(), this.count, out);
    return new Int32Array(buffer, out, this.count);
  }
}
