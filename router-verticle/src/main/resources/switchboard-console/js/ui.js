// Small pieces of page furniture: the confirmation dialog every change goes through, and toasts.
import { $, h } from './dom.js';

/** Asks before a change; resolves true when the operator confirms. */
export function confirmChange(title, text, okLabel = 'Apply') {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

export function toast(message, kind) {
  const t = h('div', { class: 'toast' + (kind ? ' ' + kind : '') }, message);
  $('toasts').append(t);
  setTimeout(() => t.remove(), 4500);
}

/** Runs a confirmed change: the call, then a toast saying it was applied or why not. */
export async function apply(title, text, action, done) {
  if (!(await confirmChange(title, text))) return false;
  try {
    const result = await action();
    toast(title + ': applied');
    if (done) await done(result);
    return true;
  } catch (e) {
    toast(title + ': ' + e.message, 'bad');
    return false;
  }
}
