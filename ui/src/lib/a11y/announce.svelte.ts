// One polite live region for the whole window (Announcer.svelte). Screen readers read what is
// put here once, without moving the focus; nothing else in the window is a live region for
// messages, so loading history or re-rendering the list says nothing.

export const announcement: { text: string } = $state({ text: '' });

let flip = false;

/** Has assistive technology read `text` once. The same words twice in a row are read twice. */
export function announce(text: string): void {
  const words = text.trim();
  if (!words) return;
  // A region whose text does not change is not read again: a trailing zero-width space that
  // comes and goes makes each announcement a change.
  flip = !flip;
  announcement.text = flip ? words : `${words}\u200b`;
}

/** Empties the region (a new account, a closed window): nothing stale is read later. */
export function clearAnnouncement(): void {
  announcement.text = '';
}
