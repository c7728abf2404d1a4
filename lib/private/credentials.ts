import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { isUnresolved, PropsValidator } from './validation';

const RANDOM_PROVIDER_ID = 'random';

/** The stack's random provider: the user's own if declared, else one added once at stack level. */
function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.findAll().some((c) => c instanceof RandomProvider);
  if (!existing) {
    new RandomProvider(stack, RANDOM_PROVIDER_ID);
  }
}

/**
 * A Windows administrator password: the given one, which must be a token (a sensitive variable or a
 * Key Vault secret) so it never appears in plain text in cdk.tf.json, or a generated one held only in state.
 */
export function adminPassword(scope: Construct, id: string, v: PropsValidator, given: string | undefined): string {
  if (given !== undefined) {
    if (!isUnresolved(given)) {
      v.fail('adminPassword', '<redacted>', 'is a literal string, which would be written in plain text to cdk.tf.json',
        'omit it to generate one, or pass a token: a sensitive TerraformVariable\'s value or a Key Vault secret\'s value');
    }
    return given;
  }
  ensureRandomProvider(scope);
  // 24 characters from all four classes satisfy Azure's Windows password rules (12-123 characters, 3 of 4 classes).
  const password = new Password(scope, id, {
    length: 24,
    minLower: 2,
    minUpper: 2,
    minNumeric: 2,
    minSpecial: 2,
    overrideSpecial: '!#%*()-_=+[]{}:?',
  });
  return password.result;
}
