// Calls: the cluster's open calls (as every voice node reports them) with their node, transport, mode, stage and the
// last turn's per-stage latency, and the voice mode switch and split. Reads GET /api/v1/voice/calls and GET/PUT
// /api/v1/voice/mode (docs/console.md has the shapes). No voice node reporting: the view says no node takes calls; a
// 404 for the mode (the voice module has one mode) and the view says calls run the pipeline.
import { h, table, fill } from '../dom.js';
import { get, put, ApiError } from '../api.js';
import { apply } from '../ui.js';
import { ms, time } from '../format.js';

const STAGES = [['endpoint_ms', 'End of speech'], ['transcribe_ms', 'Transcription'], ['chat_ttft_ms', 'Chat first token'],
  ['speech_ttfb_ms', 'Speech first audio'], ['first_frame_ms', 'First frame'], ['voice_to_voice_ms', 'Voice to voice']];

let box = null;
let modeBox = null;
let timer = null;
let voice = null; // whether some node takes calls: the mode box's 404 then means one mode only

export function render(root) {
  box = h('div', { id: 'calls' }, h('p', { class: 'muted' }, 'Loading…'));
  modeBox = h('div', { id: 'voice-mode' });
  root.append(h('section', { class: 'panel' }, h('h2', {}, 'Active calls'), box),
    h('section', { class: 'panel' }, h('h2', {}, 'Voice mode'), modeBox));
  voice = null;
  poll();
  timer = setInterval(poll, 2000);
}

export function leave() {
  clearInterval(timer);
  box = null;
}

function notEnabled(target) {
  fill(target, h('p', { class: 'empty', id: 'voice-not-enabled' }, 'No node in the cluster takes calls (none has reported in the last 5 s).'));
}

async function poll() {
  try {
    const answer = await get('/api/v1/voice/calls');
    const nodes = answer.nodes || [];
    const was = voice;
    voice = nodes.length > 0;
    if (!box) return;
    if (was !== voice) mode(); // what the mode box says depends on whether any node takes calls
    if (!voice) {
      notEnabled(box);
      return;
    }
    const calls = answer.calls || [];
    const head = h('ul', { class: 'muted small', id: 'calls-nodes' }, nodes.map(n => h('li', { 'data-voice-node': n.node },
      n.node + ': ' + n.active + ' of ' + n.max_calls + ' calls open' + (n.draining ? ' (draining: no new calls)' : ''))));
    fill(box, head, calls.length === 0 ? h('p', { class: 'empty' }, 'No call in progress.') : [
      h('p', { class: 'muted small' }, 'Stage latencies are of each call\'s last answered turn.'),
      table(['Call', 'Node', 'Transport', 'Mode', 'Started', 'Stage', 'Turns', ...STAGES.map(s => s[1])], calls.map(c => h('tr', { 'data-call': c.id },
        h('td', { class: 'mono small' }, c.id), h('td', { class: 'small' }, c.node || '–'), h('td', {}, c.transport || '–'),
        h('td', {}, h('span', { class: 'badge info' }, c.mode)),
        h('td', { class: 'small' }, time(c.started_at)), h('td', {}, c.stage || '–'), h('td', { class: 'num' }, c.turns ?? '–'),
        STAGES.map(([k]) => h('td', { class: 'num' }, ms((c.latency_ms || {})[k]))))))]);
  } catch (e) {
    if (!box) return;
    fill(box, h('p', { class: 'error' }, e.message));
  }
}

async function mode() {
  let m;
  try {
    m = await get('/api/v1/voice/mode');
  } catch (e) {
    if (!modeBox) return;
    if (e instanceof ApiError && e.status === 404) {
      voice ? fill(modeBox, h('p', { class: 'empty', id: 'voice-one-mode' }, 'Calls run the pipeline (transcription, chat, '
        + 'speech over the router); no other mode is installed, so there is nothing to switch.')) : notEnabled(modeBox);
    } else {
      fill(modeBox, h('p', { class: 'error' }, e.message));
    }
    return;
  }
  if (!modeBox) return;
  const modes = Object.keys(m.modes || { pipeline: 100, realtime: 0 });
  // The mode is a shortcut for a split of 100 to one mode; any other split reads "split". What is sent is the split
  // alone (with the mode as well, the two must agree, and a split of 70/30 has no single mode).
  const pick = h('select', { id: 'voice-mode-select' }, modes.map(x => h('option', { value: x, selected: x === m.mode }, x)),
    h('option', { value: '', selected: !m.mode }, 'split'));
  const split = modes.map(x => [x, h('input', { type: 'number', min: 0, max: 100, step: 1, value: (m.modes || {})[x] ?? 0, 'data-mode': x })]);
  const fallback = h('select', { id: 'voice-fallback' }, modes.map(x => h('option', { value: x, selected: x === m.fallback_mode }, x)),
    h('option', { value: 'none', selected: !m.fallback_mode }, 'none'));
  pick.addEventListener('change', () => {
    if (pick.value) split.forEach(([x, input]) => { input.value = x === pick.value ? 100 : 0; });
  });
  split.forEach(([, input]) => input.addEventListener('input', () => {
    const on = split.filter(([, i]) => Number(i.value) > 0);
    pick.value = on.length === 1 ? on[0][0] : '';
  }));
  fill(modeBox,
    h('p', { class: 'muted small' }, 'A switch never changes a call in progress: new calls take the new mode at once.'),
    h('div', { class: 'row' }, h('label', {}, 'Mode', pick), ...split.map(([x, input]) => h('label', {}, 'Split: ' + x + ' %', input)),
      h('label', {}, 'Fallback mode', fallback),
      h('button', { type: 'button', id: 'voice-apply', onclick: () => {
        const body = { modes: Object.fromEntries(split.map(([x, i]) => [x, Number(i.value)])), fallback_mode: fallback.value };
        // The version read with the form: a change made meanwhile elsewhere (another operator, another router) makes
        // the node answer 409 rather than overwrite it; the form then redraws with what is stored now.
        if (Number.isInteger(m.version)) body.version = m.version;
        apply('Voice mode', 'Set the voice mode on every node: ' + JSON.stringify(body) + '?', () => put('/api/v1/voice/mode', body)
          .catch(e => {
            if (e instanceof ApiError && e.status === 409) mode();
            throw e;
          }), mode);
      } }, 'Apply')));
}
