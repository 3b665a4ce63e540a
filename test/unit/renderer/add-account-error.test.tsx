// @vitest-environment jsdom
// The add-account form's heading for a failed add, on a stand-in bridge answering as the engine does (the engine's
// wording for an unreachable Pantheon is tested on real sockets in test/integration/pantheon/unreachable.test.ts).
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { AppError } from '../../../shared/result';
import { AddAccountForm } from '../../../renderer/src/components/Accounts';

afterEach(cleanup);

/** What the stand-in engine answers to `accounts.add` (the page keeps the first bridge it sees). */
let answer: AppError;
window.lifeboat = {
  accounts: { add: async () => ({ ok: false, error: answer }) },
} as unknown as LifeboatBridge;

async function addWith(error: AppError): Promise<HTMLElement> {
  answer = error;
  render(<AddAccountForm />);
  fireEvent.change(screen.getByLabelText('Machine token'), { target: { value: 'some-token-1234' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add account' }));
  return screen.findByRole('alert');
}

describe('adding an account that fails', () => {
  it('says Pantheon could not be reached, not that the token did not work, when the network is down', async () => {
    const message =
      'Lifeboat could not reach terminus.pantheon.io while logging in: the name does not resolve. Check the network connection and try again.';
    const alert = await addWith({ code: 'network', message, retryable: true });
    expect(alert.textContent).toContain('Lifeboat could not reach Pantheon');
    expect(alert.textContent).toContain(message);
    expect(alert.textContent).not.toContain('That token did not work');
    expect(screen.getByLabelText('Machine token').getAttribute('aria-invalid')).toBeNull();
  });

  it('keeps "That token did not work" for a token Pantheon rejected', async () => {
    const alert = await addWith({
      code: 'invalid-token',
      message: 'The machine token was rejected by Pantheon.',
      retryable: false,
    });
    expect(alert.textContent).toContain('That token did not work');
    expect(screen.getByLabelText('Machine token').getAttribute('aria-invalid')).toBe('true');
  });
});
