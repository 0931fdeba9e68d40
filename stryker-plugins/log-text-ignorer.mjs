// A StrykerJS ignorer (docs/mutation-testing.md): no mutants inside a `logger.<level>(...)`
// statement, nor in the function name given to `withErrorBoundary(name, ...)`, which only
// labels log lines. What a log line says changes no answer, token or record, so a mutant there
// (a message emptied, a field dropped) cannot be killed by a behaviour test, only by a test that
// pins the log text; and no mutation can make a line log more than it does (a secret, a URL).
// The decisions around a log line (the `if` before it) are still mutated.
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const LOGGER = 'logger';
const ERROR_BOUNDARY = 'withErrorBoundary';

class LogTextIgnorer {
  shouldIgnore(path) {
    const expression = path.isExpressionStatement() ? path.node.expression : undefined;
    if (
      expression?.type === 'CallExpression' &&
      expression.callee.type === 'MemberExpression' &&
      expression.callee.object.type === 'Identifier' &&
      expression.callee.object.name === LOGGER
    ) {
      return 'a log statement: its text and fields change no behaviour (docs/mutation-testing.md)';
    }
    if (
      path.isStringLiteral() &&
      path.key === 0 &&
      path.parentPath.isCallExpression() &&
      path.parent.callee.type === 'Identifier' &&
      path.parent.callee.name === ERROR_BOUNDARY
    ) {
      return "a function's name for its log lines only (docs/mutation-testing.md)";
    }
    return undefined;
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Ignore, 'log-text', LogTextIgnorer)];
