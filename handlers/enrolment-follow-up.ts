// What a face's bind leaves to do (users-table.ts, EnrolmentFollowUp): Verify does it right after
// the bind, and whoever reads the record next finishes it if that run was cut short.
import { config } from './config.js';
import { faceEnrolledEmail } from './email-messages.js';
import { deleteFaces } from './face-collection.js';
import { logger } from './logger.js';
import { sendEmail } from './send-email.js';
import { signOutEverywhere, type PoolUser } from './user-sessions.js';
import { clearFollowUp, type EnrolmentFollowUp } from './users-table.js';

/** The user whose face was bound, as the trigger event names them, and their email. */
export type EnrolledOwner = PoolUser & { email: string | undefined };

/**
 * Ends the old face's sessions, removes the old face, tells the owner's mailbox, then marks the
 * bind of `faceId` done. Each step may run twice (a retry racing the first run): a second sign-out ends
 * only sessions made before it, a face deleted twice is gone either way, a second notice says the
 * same. Throws when the sessions cannot be ended; the follow-up then stays for the next reader.
 */
export async function finishEnrolment(owner: EnrolledOwner, sub: string, faceId: string, followUp: EnrolmentFollowUp, now: number): Promise<void> {
  try {
    // Whoever enrolled the old face keeps no session made with it.
    if (followUp.signOut) await signOutEverywhere(owner);
  } finally {
    if (followUp.retiredFaceId) await deleteFaces([followUp.retiredFaceId]);
  }
  await notifyOwner(owner.email, now);
  await clearFollowUp(sub, faceId);
}

/** Tells the mailbox that a face was enrolled, so an enrolment its owner did not make is noticed. */
async function notifyOwner(recipient: string | undefined, now: number): Promise<void> {
  const sender = config.emailSender;
  if (!sender || !recipient) return;
  try {
    await sendEmail(sender, recipient, faceEnrolledEmail(config.appName, new Date(now)));
  } catch (error) {
    // The face is bound already; failing the answer now would not unbind it.
    logger.error('enrolment notice not sent', { error: error instanceof Error ? error.name : String(error) });
  }
}
