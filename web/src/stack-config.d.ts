// Types of stack-config.js for the TypeScript that imports it (the Node tests).
export interface StackConfig {
  userPoolId: string;
  userPoolClientId: string;
  region?: string;
  /** The kit's endpoint; absent for AWS. */
  userPoolEndpoint?: string;
  target?: string;
}
export function kitEndpointForThisPage(location?: { pathname: string; origin: string }): string | undefined;
export function loadStackConfig(): Promise<Required<Omit<StackConfig, 'userPoolEndpoint'>> & Pick<StackConfig, 'userPoolEndpoint'>>;
export function amplifyConfig(config: StackConfig): { Auth: { Cognito: { userPoolId: string; userPoolClientId: string; userPoolEndpoint?: string } } };
