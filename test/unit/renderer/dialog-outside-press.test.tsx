// @vitest-environment jsdom
// A dialog keeps what the person typed when a press lands outside it (a button that moved as a preview arrived):
// only Escape and × close it.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Dialog } from '../../../renderer/src/components/common';

afterEach(cleanup);

function Host() {
  const [open, setOpen] = useState(true);
  return open ? (
    <Dialog title="Restore" onClose={() => setOpen(false)}>
      <input aria-label="Folder" defaultValue="" />
    </Dialog>
  ) : (
    <p>closed</p>
  );
}

describe('a dialog', () => {
  it('stays open with its input when a press lands on the backdrop', () => {
    render(<Host />);
    const field = screen.getByLabelText<HTMLInputElement>('Folder');
    fireEvent.change(field, { target: { value: '/home/dana/Sites' } });
    const backdrop = screen.getByRole('dialog').parentElement!;
    fireEvent.mouseDown(backdrop);
    fireEvent.click(backdrop);
    expect(screen.getByLabelText<HTMLInputElement>('Folder').value).toBe('/home/dana/Sites');
  });

  it('closes on Escape and on ×', () => {
    const { unmount } = render(<Host />);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.getByText('closed')).toBeTruthy();
    unmount();
    render(<Host />);
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.getByText('closed')).toBeTruthy();
  });
});

describe('a dialog’s focus', () => {
  it('comes back in on Tab when it fell out (the focused button became disabled)', () => {
    function Busy() {
      const [busy, setBusy] = useState(false);
      return (
        <>
          <button type="button">Behind</button>
          <Dialog title="Restore" onClose={() => undefined}>
            <input aria-label="Folder" />
            <button type="button" disabled={busy} onClick={() => setBusy(true)}>
              Review
            </button>
          </Dialog>
        </>
      );
    }
    render(<Busy />);
    const review = screen.getByRole('button', { name: 'Review' });
    review.focus();
    fireEvent.click(review);
    // A disabled button loses focus to the page (here: to what is behind the dialog).
    screen.getByRole('button', { name: 'Behind' }).focus();
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(false);
    fireEvent.keyDown(document, { key: 'Tab' });
    // Back at the dialog's first stop (its × button), not on the page behind.
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
  });
});
