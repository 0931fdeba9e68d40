// One structured JSON logger for every function. What goes in: decisions, kinds, keys and subs.
// What never goes in: presigned URLs, private challenge parameters, codes, secrets, tokens,
// email addresses or images.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'cognito-face-kit' });
