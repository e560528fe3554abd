/**
 * Keyboard shortcuts: space play/pause, → one step, r reset. Never while the user is
 * typing or using a form control that needs those keys itself.
 */
export type ShortcutAction = 'toggle' | 'step' | 'reset';

export function shortcutFor(key: string, target: EventTarget | null, modifiers: { ctrl: boolean; meta: boolean; alt: boolean }): ShortcutAction | null {
  if (modifiers.ctrl || modifiers.meta || modifiers.alt) return null;
  const el = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  const tag = el?.tagName?.toLowerCase();
  if (el?.isContentEditable) return null;
  if (tag === 'input' || tag === 'textarea' || tag === 'select') return null;
  // A focused button already reacts to space; a second toggle would undo it.
  if (tag === 'button' && (key === ' ' || key === 'Enter')) return null;
  if (key === ' ') return 'toggle';
  if (key === 'ArrowRight') return 'step';
  if (key === 'r' || key === 'R') return 'reset';
  return null;
}
