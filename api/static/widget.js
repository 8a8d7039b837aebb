/*
 * nlp-coder coder-assist page (plain ES2020, no dependencies, no build).
 *
 * Report text is sent only to this page's own origin (POST /v1/suggest, /v1/queue, /v1/feedback) and is
 * never written to the console, to storage or to the URL.
 *
 * EMBEDDING
 *
 * 1. iframe on a server-side queue:
 *      <iframe src="https://CODER-HOST/?queue=QUEUE_ID&item=0&embed=1"></iframe>
 *    `queue` is a queue_id returned by POST /v1/queue; `item` is the 0-based item index, as in
 *    GET /v1/queue/{queue_id}/items/{index} (the page shows it 1-based: "1 / 20"). `embed=1` hides the
 *    mode tabs and input areas. After a decision the page opens the next item by itself.
 *
 * 2. iframe driven by postMessage (the host keeps the report text; nothing goes through the URL):
 *    the host posts {type: "nlp-coder:suggest", id: string, text: string} to the iframe; the page shows
 *    that report with its suggestion. When the coder's decision is saved, the page posts
 *    {type: "nlp-coder:feedback", report_id, final_code, action} to window.parent, with the origin of
 *    the message that opened the report as target origin (never "*"). Messages that do not come from
 *    window.parent, or whose data does not have that shape, are ignored. On start-up the page also posts
 *    {type: "nlp-coder:ready"} to the origin of document.referrer when there is one (the iframe's load
 *    event works as well). To accept messages from listed origins only, fill the meta tag
 *    <meta name="nlp-coder-parent-origins" content="https://ehr.example.org"> in index.html.
 *
 *    Host page example (10 lines):
 *      <iframe id="coder" src="https://coder.example.org/?embed=1" style="width:100%;height:800px"></iframe>
 *      <script>
 *        const CODER = 'https://coder.example.org', frame = document.getElementById('coder');
 *        const openReport = (id, text) =>
 *          frame.contentWindow.postMessage({ type: 'nlp-coder:suggest', id, text }, CODER);
 *        window.addEventListener('message', (e) => {
 *          if (e.origin !== CODER || !e.data || e.data.type !== 'nlp-coder:feedback') return;
 *          saveFinalCode(e.data.report_id, e.data.final_code, e.data.action); // the host's own code
 *        });
 *        frame.addEventListener('load', () => openReport('ACC-1234', reportText));
 *      </script>
 */
(() => {
  'use strict';

  const CODES = ['70551', '70552', '70553'];
  const PROB_ORDER = ['70551', '70552', '70553', 'out_of_scope', 'needs_review'];
  const PROB_LABEL = { out_of_scope: 'out of scope', needs_review: 'needs review' };
  const STATUS_LABEL = { suggested: 'suggested', needs_review: 'needs review', out_of_scope: 'out of scope' };
  const CHOICES = { '1': '70551', '2': '70552', '3': '70553', '0': 'not_codable' };
  const CHOOSE_ID = { '70551': 'choose-70551', '70552': 'choose-70552', '70553': 'choose-70553', not_codable: 'choose-none' };
  const BASE_EVIDENCE_KEYS = new Set(['kind', 'text', 'start', 'end', 'section', 'assertion', 'supports']);
  const MSG_SUGGEST = 'nlp-coder:suggest';
  const MSG_FEEDBACK = 'nlp-coder:feedback';
  const MSG_READY = 'nlp-coder:ready';
  const AUTO_ADVANCE_MS = 700;
  const REQUEST_TIMEOUT_MS = 60000;
  const LOW_CONFIDENCE = 0.8;
  const FLAG_HELP = {
    low_confidence: 'The model is not confident enough to suggest a code without review.',
    model_review_class: 'The model itself chose "needs review".',
    empty_report: 'The report text is empty.',
    no_exam_evidence: 'No exam title or MRI evidence was found.',
    unfilled_template_field: 'The report contains an unfilled template field.',
    report_truncated: 'The report stops mid-sentence: a later technique line or addendum may be missing.',
    garbled_contrast_statement: 'A contrast sentence reads like a dictation slip ("contrast was now administered"): was it given?',
    out_of_scope_by_exam_type: 'The title or technique names another exam (not a brain MRI).',
    missing_contrast_volume: 'Contrast was given but no volume in mL was found (supply units unknown).',
    liver_agent_in_brain_exam: 'A liver-specific agent (gadoxetate) was documented in a brain exam.',
    mrs_not_covered_by_medicare: 'MR spectroscopy (76390) is not covered by Medicare.',
    technique_section_missing: 'No technique or contrast section was found.',
    order_performed_mismatch: 'The ordered exam (title) differs from what the technique says was performed.',
    contrast_documentation_incomplete: 'Agent, dose or route of the contrast is not documented.',
    separate_sessions_same_day: 'Pre- and post-contrast imaging may have been separate sessions.',
  };

  const el = {};
  const state = {
    mode: 'paste',
    embed: false,
    inFrame: false,
    busy: 0,
    views: { paste: null, queue: null },
    seq: { paste: 0, queue: 0 },
    queue: null,
    advanceTimer: 0,
    codeInfo: Object.create(null),
    allowedOrigins: [],
    parentOrigin: null,
    marks: new Map(), // evidence index -> <mark> rendered for it
    coveredBy: new Map(), // evidence index of a span not drawn -> index of the mark that covers it
  };

  class ApiError extends Error {
    constructor(code, message, requestId) {
      super(message);
      this.code = code;
      this.requestId = requestId || null;
    }
  }

  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isPlainObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function fmtPct(p) {
    if (typeof p !== 'number' || !Number.isFinite(p)) return '—';
    const v = Math.min(Math.max(p, 0), 1) * 100;
    if (v > 0 && v < 1) return '<1%';
    if (v > 99 && v < 100) return (Math.floor(v * 10) / 10).toFixed(1) + '%';
    return Math.round(v) + '%';
  }

  function human(word) {
    return String(word).replace(/_/g, ' ');
  }

  function fmtValue(value) {
    if (value === null || value === undefined) return '';
    if (Array.isArray(value)) return value.map(fmtValue).filter(Boolean).join(', ');
    if (typeof value === 'object') {
      return Object.keys(value)
        .map((k) => `${human(k)} ${fmtValue(value[k])}`)
        .join(', ');
    }
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    return String(value);
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (_) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (_) {
      /* storage may be blocked in an iframe: preferences simply are not kept */
    }
  }

  /** Scroll `child` into view inside `container` only (never the page or a parent frame). */
  function scrollWithin(container, child, block) {
    const c = container.getBoundingClientRect();
    const r = child.getBoundingClientRect();
    let top;
    if (block === 'center') {
      top = container.scrollTop + (r.top - c.top) - (container.clientHeight - r.height) / 2;
    } else {
      if (r.top >= c.top && r.bottom <= c.bottom) return;
      top = r.top < c.top
        ? container.scrollTop + (r.top - c.top) - 8
        : container.scrollTop + (r.bottom - c.bottom) + 8;
    }
    const far = Math.abs(top - container.scrollTop) > container.clientHeight * 1.5;
    container.scrollTo({ top: Math.max(0, top), behavior: reducedMotion() || far ? 'auto' : 'smooth' });
  }

  // ---------------------------------------------------------------- API

  // When the server requires API keys, the coder is asked for one once per browser session; it is kept
  // in sessionStorage (gone when the tab closes) and sent as X-API-Key on every call.
  const API_KEY_STORAGE = 'nlp-coder-api-key';

  function storedApiKey() {
    try { return window.sessionStorage.getItem(API_KEY_STORAGE); } catch (_) { return null; }
  }

  async function api(method, path, body, retried) {
    try {
      return await apiOnce(method, path, body);
    } catch (err) {
      if (!retried && err instanceof ApiError && err.code === 'unauthorized') {
        const key = window.prompt('This nlp-coder service needs an API key:');
        if (key) {
          try { window.sessionStorage.setItem(API_KEY_STORAGE, key.trim()); } catch (_) { /* private mode */ }
          return api(method, path, body, true);
        }
      }
      throw err;
    }
  }

  async function apiOnce(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const headers = { Accept: 'application/json' };
    const apiKey = storedApiKey();
    if (apiKey) headers['X-API-Key'] = apiKey;
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    let data = null;
    try {
      try {
        response = await fetch(path, init);
      } catch (err) {
        if (err && err.name === 'AbortError') {
          throw new ApiError('timeout', 'The service did not answer in time. Please try again.');
        }
        throw new ApiError('network', 'Could not reach the nlp-coder service. Check the connection and try again.');
      }
      try {
        data = await response.json();
      } catch (_) {
        data = null;
      }
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const err = isPlainObject(data) && isPlainObject(data.error) ? data.error : null;
      const code = err && typeof err.code === 'string' ? err.code : `http_${response.status}`;
      const message = err && typeof err.message === 'string' && err.message
        ? err.message
        : `The service answered HTTP ${response.status}.`;
      throw new ApiError(code, message, isPlainObject(data) ? data.request_id : null);
    }
    if (!isPlainObject(data)) {
      throw new ApiError('bad_response', 'The service sent a response this page cannot read.');
    }
    return data;
  }

  function normalizeSuggestion(s) {
    if (!isPlainObject(s)) throw new ApiError('bad_response', 'The service sent no suggestion for this report.');
    const arr = (v) => (Array.isArray(v) ? v : []);
    return Object.assign({}, s, {
      code: CODES.includes(s.code) ? s.code : null,
      status: typeof s.status === 'string' ? s.status : 'needs_review',
      confidence: typeof s.confidence === 'number' && Number.isFinite(s.confidence) ? s.confidence : 0,
      probabilities: isPlainObject(s.probabilities) ? s.probabilities : {},
      description: typeof s.description === 'string' ? s.description : null,
      rationale: typeof s.rationale === 'string' ? s.rationale : '',
      model_version: typeof s.model_version === 'string' ? s.model_version : '',
      flags: arr(s.flags).filter((f) => typeof f === 'string'),
      evidence: arr(s.evidence).filter(isPlainObject),
      indications: arr(s.indications).filter(isPlainObject),
      modifiers: arr(s.modifiers),
      also_codes: arr(s.also_codes),
      supply: arr(s.supply).filter(isPlainObject),
    });
  }

  // ---------------------------------------------------------------- busy / errors

  async function withBusy(fn) {
    state.busy += 1;
    updateControls();
    try {
      return await fn();
    } finally {
      state.busy -= 1;
      updateControls();
    }
  }

  function showError(err) {
    let message = err && typeof err.message === 'string' && err.message ? err.message : 'Something went wrong.';
    if (message.length > 300) message = message.slice(0, 297) + '…';
    let text = message;
    if (err && err.code && !['network', 'timeout', 'input'].includes(err.code)) text += ` [${err.code}]`;
    if (err && err.requestId) text += ` · request ${err.requestId}`;
    el.errorText.textContent = text;
    el.errorBanner.hidden = false;
  }

  function hideError() {
    el.errorBanner.hidden = true;
    el.errorText.textContent = '';
  }

  const inputError = (message) => ({ code: 'input', message });

  // ---------------------------------------------------------------- views

  function current() {
    return state.views[state.mode];
  }

  function slotOf(source) {
    return source === 'queue' ? 'queue' : 'paste';
  }

  /** A view is one report on screen: its text, id and (once loaded) suggestion and decision state. */
  function newView(source, fields) {
    return Object.assign(
      {
        source,
        text: null,
        id: null,
        suggestion: null,
        pending: false,
        origin: null,
        queueIndex: null,
        chosen: null,
        reason: '',
        feedback: null, // {text, cls, note}
        savedKey: null,
      },
      fields
    );
  }

  function setView(slot, view) {
    state.views[slot] = view;
    if (slot === state.mode) render();
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    const v = current();
    // A new report: leave the decision controls (e.g. the reason box) so that shortcuts work at once.
    const active = document.activeElement;
    if (active && active !== document.body && el.decision.contains(active)) el.reportView.focus({ preventScroll: true });
    state.marks = new Map();
    state.coveredBy = new Map();
    renderReport(v);
    renderSummary(v);
    renderDecision(v);
    renderAlternatives(v);
    renderEvidenceList(v);
    renderExtras(v);
    renderQueueNav();
    updateControls();
  }

  function renderReport(v) {
    const view = el.reportView;
    view.textContent = '';
    view.scrollTop = 0;
    view.classList.toggle('is-pending', Boolean(v && v.pending));
    if (!v || typeof v.text !== 'string') {
      const p = make('p', 'placeholder');
      if (v && v.pending) {
        p.textContent = 'Loading report…';
      } else if (state.mode === 'queue') {
        p.textContent = 'No queue loaded. Paste a JSONL batch above and press "Load queue".';
      } else {
        p.textContent = 'No report yet. Paste a report above and press Ctrl+Enter.';
      }
      view.appendChild(p);
      el.reportMeta.textContent = '';
      return;
    }
    const chars = Array.from(v.text); // code points: the server's offsets count Python code points
    const meta = [];
    if (v.id) meta.push(`id ${v.id}`);
    meta.push(`${chars.length.toLocaleString('en-US')} characters`);
    el.reportMeta.textContent = '· ' + meta.join(' · ');

    const evidence = v.suggestion ? v.suggestion.evidence : [];
    const spans = [];
    evidence.forEach((ev, i) => {
      const s = ev.start;
      const e = ev.end;
      if (Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s && e <= chars.length) {
        spans.push({ i, s, e, ev });
      }
    });
    spans.sort((a, b) => a.s - b.s || b.e - a.e || a.i - b.i);

    const frag = document.createDocumentFragment();
    let pos = 0;
    let lastIndex = -1;
    for (const sp of spans) {
      if (sp.s < pos) {
        // Overlaps a span already drawn: not drawn itself, listed and reachable through the covering mark.
        state.coveredBy.set(sp.i, lastIndex);
        continue;
      }
      if (sp.s > pos) frag.appendChild(document.createTextNode(chars.slice(pos, sp.s).join('')));
      const mark = document.createElement('mark');
      const kind = typeof sp.ev.kind === 'string' ? sp.ev.kind : 'other';
      const assertion = typeof sp.ev.assertion === 'string' ? sp.ev.assertion : 'affirmed';
      mark.className = 'ev';
      mark.dataset.kind = kind;
      mark.dataset.assertion = assertion;
      mark.dataset.index = String(sp.i);
      mark.title = `${human(kind)} · ${assertion}${sp.ev.supports ? ' · supports ' + sp.ev.supports : ''}`;
      mark.textContent = chars.slice(sp.s, sp.e).join('');
      frag.appendChild(mark);
      state.marks.set(sp.i, mark);
      lastIndex = sp.i;
      pos = sp.e;
    }
    if (pos < chars.length) frag.appendChild(document.createTextNode(chars.slice(pos).join('')));
    view.appendChild(frag);
  }

  function renderSummary(v) {
    const s = v && v.suggestion;
    el.summary.classList.toggle('is-pending', Boolean(v && v.pending));
    el.code.textContent = s && s.code ? s.code : '—';
    el.code.dataset.code = s && s.code ? s.code : '';
    el.status.textContent = s ? STATUS_LABEL[s.status] || human(s.status) : 'no suggestion';
    el.status.dataset.status = s ? s.status : '';
    el.confidence.textContent = s ? fmtPct(s.confidence) : '—';
    el.confidence.classList.toggle('is-low', Boolean(s && s.confidence < LOW_CONFIDENCE));
    el.description.textContent = s && s.description ? s.description : '';
    el.rationale.textContent = s ? s.rationale : '';
    el.rationale.title = s && s.rationale ? s.rationale + ' (click to expand)' : '';
    el.rationale.classList.remove('expanded');
    el.flags.textContent = '';
    if (s) {
      for (const flag of s.flags) {
        const li = make('li', 'chip', flag);
        li.dataset.flag = flag;
        if (FLAG_HELP[flag]) li.title = FLAG_HELP[flag];
        el.flags.appendChild(li);
      }
    }
    el.modelVersion.textContent = s && s.model_version ? s.model_version : '—';
  }

  function renderDecision(v) {
    const s = v && v.suggestion;
    for (const code of Object.keys(CHOOSE_ID)) {
      const btn = $(CHOOSE_ID[code]);
      btn.setAttribute('aria-pressed', String(Boolean(v && v.chosen === code)));
      btn.classList.toggle('is-suggested', Boolean(s && s.code === code));
      if (state.codeInfo[code]) btn.title = state.codeInfo[code];
    }
    el.reasonInput.value = v ? v.reason : '';
    if (!s) el.acceptHint.textContent = '';
    else if (!s.code) el.acceptHint.textContent = 'No code suggested: choose one below.';
    else el.acceptHint.textContent = `final code ${s.code}`;
    renderFeedback(v);
  }

  function renderFeedback(v) {
    const fb = v && v.feedback;
    el.feedbackStatus.textContent = fb ? fb.text : '';
    el.feedbackStatus.className = 'feedback-status' + (fb && fb.cls ? ' ' + fb.cls : '');
    el.feedbackNote.textContent = fb && fb.note ? fb.note : '';
  }

  function renderAlternatives(v) {
    const s = v && v.suggestion;
    el.alternatives.textContent = '';
    if (!s) {
      el.alternatives.appendChild(make('div', 'empty-note', '—'));
      return;
    }
    const keys = PROB_ORDER.concat(Object.keys(s.probabilities).filter((k) => !PROB_ORDER.includes(k)));
    const top = s.code || s.status;
    for (const key of keys) {
      const raw = s.probabilities[key];
      const p = typeof raw === 'number' && Number.isFinite(raw) ? Math.min(Math.max(raw, 0), 1) : 0;
      const row = make('div', 'alt-row' + (key === top ? ' is-top' : ''));
      row.dataset.code = key;
      const label = make('span', 'alt-label', PROB_LABEL[key] || human(key));
      if (state.codeInfo[key]) label.title = state.codeInfo[key];
      const bar = make('span', 'alt-bar');
      bar.setAttribute('role', 'meter');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      bar.setAttribute('aria-valuenow', String(Math.round(p * 100)));
      bar.setAttribute('aria-label', `${PROB_LABEL[key] || key} probability`);
      const fill = make('span', 'alt-fill');
      fill.style.width = (p * 100).toFixed(1) + '%';
      bar.appendChild(fill);
      row.append(label, bar, make('span', 'alt-value', fmtPct(p)));
      el.alternatives.appendChild(row);
    }
  }

  function renderEvidenceList(v) {
    const list = el.evidenceList;
    list.textContent = '';
    const evidence = v && v.suggestion ? v.suggestion.evidence : [];
    if (!v || !v.suggestion) {
      el.evidenceCount.textContent = '';
      list.appendChild(make('li', 'empty-note', '—'));
      return;
    }
    const covered = state.coveredBy.size;
    const lost = evidence.length - state.marks.size - covered;
    el.evidenceCount.textContent = `${evidence.length}`
      + (covered > 0 ? ` · ${covered} inside other spans` : '')
      + (lost > 0 ? ` · ${lost} not located` : '');
    if (!evidence.length) {
      const li = make('li', 'empty-note', 'No evidence found in this report.');
      list.appendChild(li);
      return;
    }
    const onlySupports = el.evidenceFilter.checked;
    evidence.forEach((ev, i) => {
      const kind = typeof ev.kind === 'string' ? ev.kind : 'other';
      const assertion = typeof ev.assertion === 'string' ? ev.assertion : 'affirmed';
      const li = make('li');
      li.dataset.index = String(i);
      li.dataset.kind = kind;
      li.dataset.assertion = assertion;
      li.tabIndex = -1;
      if (onlySupports && !ev.supports) li.classList.add('is-filtered');

      const line1 = make('div', 'ev-line1');
      line1.appendChild(make('span', 'ev-kind', human(kind)));
      const badge = make('span', 'ev-assert', assertion);
      badge.dataset.assertion = assertion;
      line1.appendChild(badge);
      if (ev.section) line1.appendChild(make('span', 'ev-section', `in ${human(ev.section)}`));
      if (ev.supports) line1.appendChild(make('span', 'ev-supports', `supports ${ev.supports}`));
      li.appendChild(line1);

      li.appendChild(make('div', 'ev-text', `“${typeof ev.text === 'string' ? ev.text : ''}”`));

      const attrs = [];
      const unit = typeof ev.unit === 'string' ? ev.unit : '';
      for (const key of Object.keys(ev)) {
        if (BASE_EVIDENCE_KEYS.has(key) || key === 'unit') continue;
        const value = key === 'value' && unit ? `${fmtValue(ev.value)} ${unit}` : fmtValue(ev[key]);
        if (value !== '') attrs.push(key === 'value' ? `dose ${value}` : `${human(key)}: ${value}`);
      }
      if (unit && !('value' in ev)) attrs.push(`unit: ${unit}`);
      if (attrs.length) li.appendChild(make('div', 'ev-attrs', attrs.join(' · ')));

      if (!state.marks.has(i)) {
        const note = state.coveredBy.has(i)
          ? 'overlaps another span: highlighted as part of it'
          : 'position not found in the text';
        li.appendChild(make('div', 'ev-note', note));
      }
      list.appendChild(li);
    });
    const first = list.querySelector('li[data-index]:not(.is-filtered)');
    if (first) first.tabIndex = 0;
  }

  function renderExtras(v) {
    const box = el.extras;
    box.textContent = '';
    const s = v && v.suggestion;
    if (!s) {
      box.appendChild(make('span', 'muted', '—'));
      return;
    }
    const row = (label, kind) => {
      const r = make('div', 'extra-row');
      r.dataset.extra = kind;
      r.appendChild(make('span', 'extra-label', label));
      const value = make('span', 'extra-value');
      r.appendChild(value);
      box.appendChild(r);
      return value;
    };
    const codeChip = (item) => {
      const code = isPlainObject(item) ? item.code || item.modifier || fmtValue(item) : String(item);
      const chip = make('span', 'chip chip-neutral code-tag', code);
      if (state.codeInfo[code]) chip.title = state.codeInfo[code];
      return chip;
    };
    const none = (node, text) => node.appendChild(make('span', 'muted', text || 'none'));

    const mods = row('Modifiers', 'modifiers');
    if (s.modifiers.length) s.modifiers.forEach((m) => mods.appendChild(codeChip(m)));
    else none(mods);

    const also = row('Also code', 'also_codes');
    if (s.also_codes.length) s.also_codes.forEach((c) => also.appendChild(codeChip(c)));
    else none(also);

    const supply = row('Supply', 'supply');
    if (s.supply.length) {
      for (const item of s.supply) {
        const line = make('span', 'extra-sub');
        const hcpcs = make('span', 'code-tag', item.hcpcs || '?');
        if (state.codeInfo[item.hcpcs]) hcpcs.title = state.codeInfo[item.hcpcs];
        line.appendChild(hcpcs);
        const parts = [];
        if (item.agent) parts.push(human(item.agent));
        parts.push(typeof item.volume_ml === 'number' ? `${item.volume_ml} mL` : 'volume not documented');
        if (item.units !== null && item.units !== undefined) parts.push(`${item.units} units`);
        line.appendChild(document.createTextNode(' ' + parts.join(' · ') + ' · '));
        line.appendChild(item.verified
          ? make('span', 'verified-yes', 'verified')
          : make('span', 'verified-no', 'unverified: check the HCPCS code'));
        supply.appendChild(line);
      }
    } else {
      none(supply);
    }

    const ind = row('Indications', 'indications');
    if (s.indications.length) {
      for (const item of s.indications) {
        const line = make('span', 'extra-sub');
        line.appendChild(document.createTextNode(`“${typeof item.text === 'string' ? item.text : ''}” `));
        const codes = Array.isArray(item.icd10cm) ? item.icd10cm : [];
        if (codes.length) codes.forEach((c) => line.appendChild(make('span', 'chip chip-neutral code-tag', c)));
        else line.appendChild(make('span', 'muted', 'no billable ICD-10-CM'));
        ind.appendChild(line);
      }
    } else {
      none(ind);
    }
  }

  function renderQueueNav() {
    const q = state.queue;
    el.queueNav.hidden = !(state.mode === 'queue' && q);
    if (!q) return;
    const count = q.count > 0 ? q.count : '?';
    el.queuePosition.textContent = `${q.index + 1} / ${count}`;
    const saved = q.saved.size;
    let note = saved ? `${saved} saved` : '';
    if (q.count > 0 && saved >= q.count) note = `all ${q.count} saved`;
    el.queueDone.textContent = note;
  }

  function updateControls() {
    const busy = state.busy > 0;
    const v = current();
    const s = v && v.suggestion;
    el.busyIndicator.hidden = !busy;
    el.suggestBtn.disabled = busy;
    el.suggestBtn.setAttribute('aria-busy', String(busy));
    el.queueLoadBtn.disabled = busy;
    el.queueLoadBtn.setAttribute('aria-busy', String(busy));
    const q = state.queue;
    el.queuePrevBtn.disabled = busy || !q || q.index <= 0;
    el.queueNextBtn.disabled = busy || !q || (q.count > 0 && q.index >= q.count - 1);
    el.acceptBtn.disabled = busy || !s || !s.code;
    for (const code of Object.keys(CHOOSE_ID)) $(CHOOSE_ID[code]).disabled = busy || !s;
    el.reasonInput.disabled = !s;
    el.submitOverrideBtn.disabled = busy || !s || !v.chosen;
  }

  // ---------------------------------------------------------------- evidence focus

  function focusEvidence(index, fromMark) {
    const markIndex = state.marks.has(index) ? index : state.coveredBy.get(index);
    for (const m of el.reportView.querySelectorAll('mark.ev.focused')) m.classList.remove('focused');
    const mark = markIndex !== undefined ? state.marks.get(markIndex) : null;
    if (mark) {
      mark.classList.add('focused');
      mark.classList.remove('flash');
      void mark.offsetWidth; // restart the animation
      mark.classList.add('flash');
      scrollWithin(el.reportView, mark, 'center');
    }
    for (const li of el.evidenceList.querySelectorAll('li.is-current')) li.classList.remove('is-current');
    const li = el.evidenceList.querySelector(`li[data-index="${index}"]`);
    if (li) {
      li.classList.add('is-current');
      for (const other of el.evidenceList.querySelectorAll('li[data-index]')) other.tabIndex = -1;
      li.tabIndex = 0;
      if (fromMark) {
        li.classList.remove('is-filtered');
        scrollWithin(el.sideScroll, li, 'nearest');
      }
    }
  }

  function moveInList(li, step) {
    const items = Array.from(el.evidenceList.querySelectorAll('li[data-index]:not(.is-filtered)'));
    const at = items.indexOf(li);
    const next = items[Math.min(Math.max(at + step, 0), items.length - 1)];
    if (next && next !== li) {
      li.tabIndex = -1;
      next.tabIndex = 0;
      next.focus({ preventScroll: true });
      scrollWithin(el.sideScroll, next, 'nearest');
    }
  }

  // ---------------------------------------------------------------- suggest (paste and message)

  async function runSuggest(text, id, source, origin) {
    cancelAdvance();
    const slot = slotOf(source);
    const seq = ++state.seq[slot];
    const view = newView(source, { text, id, origin: origin || null, pending: true });
    setView(slot, view);
    let result;
    try {
      result = await withBusy(() => api('POST', '/v1/suggest', { text, id }));
      result = normalizeSuggestion(result);
    } catch (err) {
      if (seq === state.seq[slot]) {
        view.pending = false;
        if (slot === state.mode) render();
        showError(err);
      }
      return false;
    }
    if (seq !== state.seq[slot]) return false;
    hideError();
    view.pending = false;
    view.suggestion = result;
    setView(slot, view);
    return true;
  }

  async function suggestFromPaste() {
    if (state.busy) return;
    const text = el.reportInput.value;
    if (!text.trim()) {
      showError(inputError('Paste a report first.'));
      el.reportInput.focus();
      return;
    }
    const id = el.reportId.value.trim() || null;
    const ok = await runSuggest(text, id, 'paste', null);
    if (ok) releaseInputFocus();
  }

  /** After a result, leave the text boxes so that A / 1 / 2 / 3 / 0 work at once. */
  function releaseInputFocus() {
    const active = document.activeElement;
    const inInputs = !active || active === document.body || active === el.reportInput || active === el.reportId
      || active === el.queueInput || active === el.suggestBtn || active === el.queueLoadBtn;
    if (inInputs) el.reportView.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- queue

  function newQueue(id, count) {
    return { id, count: count || 0, ids: [], index: 0, cache: new Map(), pending: new Map(), saved: new Map() };
  }

  function parseBatch(raw) {
    const reports = [];
    const errors = [];
    const seen = new Set();
    const add = (obj, where) => {
      if (!isPlainObject(obj)) {
        errors.push(`${where}: not a JSON object`);
        return;
      }
      let id = obj.id === undefined ? null : obj.id;
      if (typeof id === 'number' && Number.isFinite(id)) id = String(id);
      if (id !== null && (typeof id !== 'string' || !id.trim())) {
        errors.push(`${where}: "id" must be a non-empty string`);
        return;
      }
      if (typeof obj.text !== 'string' || !obj.text.trim()) {
        errors.push(`${where}: "text" must be a non-empty string`);
        return;
      }
      if (id !== null && seen.has(id)) {
        errors.push(`${where}: duplicate id`);
        return;
      }
      if (id !== null) seen.add(id);
      reports.push({ id, text: obj.text });
    };
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) {
      let arr = null;
      try {
        arr = JSON.parse(trimmed);
      } catch (_) {
        arr = null;
      }
      if (Array.isArray(arr)) {
        arr.forEach((obj, i) => add(obj, `Item ${i + 1}`));
        return { reports, errors };
      }
    }
    raw.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      let obj;
      try {
        obj = JSON.parse(line);
      } catch (_) {
        errors.push(`Line ${i + 1}: not valid JSON`);
        return;
      }
      add(obj, `Line ${i + 1}`);
    });
    return { reports, errors };
  }

  async function loadQueueFromInput() {
    if (state.busy) return;
    const { reports, errors } = parseBatch(el.queueInput.value);
    if (errors.length) {
      const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
      showError(inputError(errors.slice(0, 3).join('; ') + more));
      return;
    }
    if (!reports.length) {
      showError(inputError('Paste at least one report: one {"id": ..., "text": ...} object per line.'));
      el.queueInput.focus();
      return;
    }
    let res;
    try {
      res = await withBusy(() => api('POST', '/v1/queue', { reports }));
    } catch (err) {
      showError(err);
      return;
    }
    if (typeof res.queue_id !== 'string' || !res.queue_id) {
      showError(new ApiError('bad_response', 'The service did not return a queue id.'));
      return;
    }
    hideError();
    cancelAdvance();
    state.queue = newQueue(res.queue_id, Number.isInteger(res.count) ? res.count : reports.length);
    state.queue.ids = reports.map((r) => r.id);
    el.queueInfo.textContent = `Loaded ${state.queue.count} reports.`;
    const ok = await openQueueItem(0);
    if (ok) releaseInputFocus();
  }

  function fetchQueueItem(q, index) {
    if (q.pending.has(index)) return q.pending.get(index);
    const path = `/v1/queue/${encodeURIComponent(q.id)}/items/${index}`;
    const promise = api('GET', path)
      .then(async (item) => {
        if (typeof item.text !== 'string') {
          throw new ApiError('bad_response', 'The service sent a queue item without text.');
        }
        let suggestion = item.suggestion;
        if (!isPlainObject(suggestion)) {
          // Not scored yet on the server: score it now.
          suggestion = await api('POST', '/v1/suggest', { text: item.text, id: item.id ?? null });
        }
        const entry = {
          id: typeof item.id === 'string' ? item.id : null,
          text: item.text,
          count: Number.isInteger(item.count) ? item.count : null,
          suggestion: normalizeSuggestion(suggestion),
        };
        q.cache.set(index, entry);
        return entry;
      })
      .finally(() => q.pending.delete(index));
    q.pending.set(index, promise);
    return promise;
  }

  function trimCache(q) {
    for (const key of Array.from(q.cache.keys())) {
      if (Math.abs(key - q.index) > 2) q.cache.delete(key);
    }
  }

  function prefetch(q, index) {
    if (index < 0 || (q.count > 0 && index >= q.count) || q.cache.has(index)) return;
    fetchQueueItem(q, index).catch(() => {
      /* the real load will report the error */
    });
  }

  async function openQueueItem(index, carry) {
    const q = state.queue;
    if (!q || !Number.isInteger(index) || index < 0 || (q.count > 0 && index >= q.count)) return false;
    cancelAdvance();
    const seq = ++state.seq.queue;
    q.index = index;
    updateUrl();
    let entry = q.cache.get(index);
    if (!entry) {
      setView('queue', newView('queue', { pending: true, queueIndex: index }));
      try {
        entry = await withBusy(() => fetchQueueItem(q, index));
      } catch (err) {
        if (seq === state.seq.queue && state.queue === q) {
          const v = state.views.queue;
          if (v) v.pending = false;
          if (state.mode === 'queue') render();
          showError(err);
        }
        return false;
      }
      if (seq !== state.seq.queue || state.queue !== q) return false;
    }
    if (entry.count && entry.count !== q.count) q.count = entry.count;
    hideError();
    const view = newView('queue', {
      text: entry.text,
      id: entry.id,
      suggestion: entry.suggestion,
      queueIndex: index,
      origin: state.parentOrigin,
    });
    const saved = q.saved.get(index);
    if (saved) {
      view.savedKey = saved.key;
      view.feedback = { text: saved.text, cls: 'is-saved', note: 'saved earlier in this session' };
    } else if (carry) {
      view.feedback = { text: carry.text, cls: 'is-stale', note: 'previous report' };
    }
    setView('queue', view);
    trimCache(q);
    prefetch(q, index + 1);
    return true;
  }

  function go(step) {
    if (state.mode !== 'queue' || !state.queue || state.busy) return;
    openQueueItem(state.queue.index + step);
  }

  function cancelAdvance() {
    if (state.advanceTimer) {
      clearTimeout(state.advanceTimer);
      state.advanceTimer = 0;
    }
  }

  function scheduleAdvance(view) {
    cancelAdvance();
    const q = state.queue;
    if (!q || view.queueIndex === null) return;
    if (q.count > 0 && view.queueIndex >= q.count - 1) {
      view.feedback.note = q.saved.size >= q.count ? 'end of queue: all reports saved' : 'end of queue';
      renderFeedback(view);
      return;
    }
    state.advanceTimer = setTimeout(() => {
      state.advanceTimer = 0;
      if (state.mode === 'queue' && state.views.queue === view && !state.busy) {
        openQueueItem(view.queueIndex + 1, view.feedback);
      }
    }, AUTO_ADVANCE_MS);
  }

  async function fetchQueueMeta(q) {
    try {
      const meta = await api('GET', `/v1/queue/${encodeURIComponent(q.id)}`);
      if (state.queue !== q) return;
      if (Number.isInteger(meta.count)) q.count = meta.count;
      if (Array.isArray(meta.ids)) q.ids = meta.ids;
      renderQueueNav();
      updateControls();
    } catch (err) {
      if (state.queue === q) showError(err);
    }
  }

  function updateUrl() {
    try {
      const params = new URLSearchParams(window.location.search);
      if (state.queue) {
        params.set('queue', state.queue.id);
        params.set('item', String(state.queue.index));
      }
      const query = params.toString();
      window.history.replaceState(null, '', window.location.pathname + (query ? '?' + query : ''));
    } catch (_) {
      /* history may be unavailable (sandboxed frame): the URL simply is not updated */
    }
  }

  // ---------------------------------------------------------------- decisions

  function choose(code, focusButton) {
    const v = current();
    if (!v || !v.suggestion || state.busy) return;
    v.chosen = code;
    for (const c of Object.keys(CHOOSE_ID)) $(CHOOSE_ID[c]).setAttribute('aria-pressed', String(c === code));
    if (v.feedback && v.feedback.cls === 'is-hint') {
      v.feedback = null;
      renderFeedback(v);
    }
    updateControls();
    if (focusButton) $(CHOOSE_ID[code]).focus();
  }

  function hint(v, text) {
    v.feedback = { text, cls: 'is-hint', note: '' };
    renderFeedback(v);
  }

  async function submitDecision(action) {
    const v = current();
    if (!v || !v.suggestion || state.busy) return;
    const s = v.suggestion;
    let finalCode;
    let reason = null;
    if (action === 'accept') {
      if (!s.code) {
        hint(v, 'Nothing to accept: choose a code (1, 2, 3 or 0) and submit the override.');
        return;
      }
      finalCode = s.code;
    } else {
      if (!v.chosen) {
        hint(v, 'Choose the final code first: 1, 2, 3 or 0.');
        return;
      }
      finalCode = v.chosen;
      reason = el.reasonInput.value.trim() || null;
    }
    const key = `${action}|${finalCode}|${reason || ''}`;
    const label = action === 'accept' ? `Saved: accepted ${finalCode}` : `Saved: override -> ${finalCode}`;
    if (v.savedKey === key) {
      v.feedback = { text: label, cls: 'is-saved', note: 'already saved' };
      renderFeedback(v);
      return;
    }
    cancelAdvance();
    const body = {
      report_id: v.id ?? null,
      suggested_code: s.code,
      suggested_status: s.status,
      confidence: s.confidence,
      final_code: finalCode,
      action,
      reason,
      model_version: s.model_version,
      text: v.text,
    };
    let res;
    try {
      res = await withBusy(() => api('POST', '/v1/feedback', body));
    } catch (err) {
      showError(err);
      return;
    }
    hideError();
    v.savedKey = key;
    const note = res.feedback_id !== undefined && res.feedback_id !== null ? `feedback #${res.feedback_id}` : '';
    v.feedback = { text: label, cls: 'is-saved', note };
    if (v.source === 'queue' && state.queue && v.queueIndex !== null) {
      state.queue.saved.set(v.queueIndex, { key, text: label });
    }
    if (state.views[slotOf(v.source)] === v && slotOf(v.source) === state.mode) {
      renderFeedback(v);
      renderQueueNav();
    }
    notifyParent(v, finalCode, action);
    if (v.source === 'queue') scheduleAdvance(v);
  }

  // ---------------------------------------------------------------- embedding

  function readAllowedOrigins() {
    const meta = document.querySelector('meta[name="nlp-coder-parent-origins"]');
    const content = meta ? meta.getAttribute('content') || '' : '';
    return content.split(/\s+/).filter(Boolean);
  }

  function originAllowed(origin) {
    if (typeof origin !== 'string' || !origin || origin === 'null') return false;
    return !state.allowedOrigins.length || state.allowedOrigins.includes(origin);
  }

  function isSuggestMessage(data) {
    return isPlainObject(data)
      && data.type === MSG_SUGGEST
      && typeof data.text === 'string'
      && data.text.length > 0
      && (typeof data.id === 'string' || data.id === null || data.id === undefined);
  }

  function onMessage(event) {
    if (!state.inFrame || event.source !== window.parent) return;
    if (!isSuggestMessage(event.data) || !originAllowed(event.origin)) return;
    const { text } = event.data;
    const id = typeof event.data.id === 'string' && event.data.id ? event.data.id : null;
    state.parentOrigin = event.origin;
    cancelAdvance();
    setMode('paste', true);
    if (!state.embed) {
      el.reportInput.value = text;
      el.reportId.value = id || '';
    }
    runSuggest(text, id, 'message', event.origin);
  }

  function notifyParent(view, finalCode, action) {
    const origin = view.origin || null;
    if (!state.inFrame || !origin) return;
    try {
      window.parent.postMessage({ type: MSG_FEEDBACK, report_id: view.id ?? null, final_code: finalCode, action }, origin);
    } catch (_) {
      /* a parent that navigated away: nothing to tell */
    }
  }

  function announceReady() {
    if (!state.inFrame || !document.referrer) return;
    try {
      const origin = new URL(document.referrer).origin;
      if (originAllowed(origin)) window.parent.postMessage({ type: MSG_READY }, origin);
    } catch (_) {
      /* no usable referrer: the host can use the iframe's load event */
    }
  }

  // ---------------------------------------------------------------- modes, help

  function setMode(mode, silent) {
    if (mode !== 'paste' && mode !== 'queue') return;
    const changed = state.mode !== mode;
    state.mode = mode;
    const paste = mode === 'paste';
    el.tabPaste.setAttribute('aria-selected', String(paste));
    el.tabQueue.setAttribute('aria-selected', String(!paste));
    el.tabPaste.tabIndex = paste ? 0 : -1;
    el.tabQueue.tabIndex = paste ? -1 : 0;
    el.pastePanel.hidden = !paste;
    el.queuePanel.hidden = paste;
    if (changed) {
      if (!paste) cancelAdvance();
      render();
    } else {
      renderQueueNav();
    }
    if (!silent && !state.embed) (paste ? el.reportInput : el.queueInput).focus();
  }

  function toggleHelp(force) {
    const open = typeof force === 'boolean' ? force : el.helpPanel.hidden;
    el.helpPanel.hidden = !open;
    el.helpBtn.setAttribute('aria-expanded', String(open));
  }

  // ---------------------------------------------------------------- keyboard

  const TEXT_INPUT_TYPES = new Set([
    '', 'text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month',
    'time', 'week',
  ]);

  function isTyping(target) {
    if (!target || !(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    const tag = target.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag === 'INPUT') return TEXT_INPUT_TYPES.has((target.getAttribute('type') || '').toLowerCase());
    return false;
  }

  function onKeyDown(e) {
    if (e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
    const target = e.target;
    const key = e.key;

    // Ctrl+Enter: suggest (or load the batch in Queue mode).
    if (key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
      if (target === el.reasonInput) {
        e.preventDefault();
        submitDecision('override');
        return;
      }
      if (target === el.queueInput) {
        e.preventDefault();
        loadQueueFromInput();
        return;
      }
      if (state.mode === 'paste' && !state.embed && (target === el.reportInput || target === el.reportId || !isTyping(target))) {
        e.preventDefault();
        suggestFromPaste();
      }
      return;
    }

    if (target === el.reasonInput) {
      if (key === 'Enter' && !e.shiftKey && !e.altKey) {
        e.preventDefault();
        const v = current();
        if (v) v.reason = el.reasonInput.value;
        submitDecision('override');
      } else if (key === 'Escape') {
        e.preventDefault();
        el.reasonInput.blur();
      }
      return;
    }
    if (isTyping(target)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;

    if (key === 'Enter' && target instanceof Element && target.matches('.btn-choose')) {
      e.preventDefault();
      if (target.disabled) return;
      choose(target.dataset.code, false);
      submitDecision('override');
      return;
    }
    if (key === 'Escape') {
      if (!el.helpPanel.hidden) {
        e.preventDefault();
        toggleHelp(false);
        el.helpBtn.focus();
      }
      return;
    }
    if (key === '?') {
      e.preventDefault();
      toggleHelp();
      return;
    }
    const lower = key.length === 1 ? key.toLowerCase() : key;
    if (Object.prototype.hasOwnProperty.call(CHOICES, lower)) {
      e.preventDefault();
      choose(CHOICES[lower], true);
      return;
    }
    switch (lower) {
      case 'a':
        e.preventDefault();
        if (!e.repeat) submitDecision('accept');
        break;
      case 's':
        e.preventDefault();
        if (!e.repeat) submitDecision('override');
        break;
      case 'r':
        if (!el.reasonInput.disabled) {
          e.preventDefault();
          el.reasonInput.focus();
          el.reasonInput.select();
        }
        break;
      case 'n':
        e.preventDefault();
        cancelAdvance();
        go(1);
        break;
      case 'p':
        e.preventDefault();
        cancelAdvance();
        go(-1);
        break;
      default:
        break;
    }
  }

  function onEvidenceKey(e) {
    const li = e.target instanceof Element ? e.target.closest('li[data-index]') : null;
    if (!li || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      focusEvidence(Number(li.dataset.index), false);
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      moveInList(li, 1);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      moveInList(li, -1);
    } else if (e.key === 'Home') {
      e.preventDefault();
      moveInList(li, -1e6);
    } else if (e.key === 'End') {
      e.preventDefault();
      moveInList(li, 1e6);
    }
  }

  function onTabKey(e) {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const next = state.mode === 'paste' ? 'queue' : 'paste';
    setMode(next, true);
    (next === 'paste' ? el.tabPaste : el.tabQueue).focus();
  }

  // ---------------------------------------------------------------- start

  function bind() {
    const ids = {
      tabPaste: 'tab-paste', tabQueue: 'tab-queue', pastePanel: 'paste-panel', queuePanel: 'queue-panel',
      reportInput: 'report-input', reportId: 'report-id', suggestBtn: 'suggest-btn', clearBtn: 'clear-btn',
      queueInput: 'queue-input', queueLoadBtn: 'queue-load-btn', queueInfo: 'queue-info', queueNav: 'queue-nav',
      queuePrevBtn: 'queue-prev-btn', queueNextBtn: 'queue-next-btn', queuePosition: 'queue-position',
      queueDone: 'queue-done', reportView: 'report-view', reportMeta: 'report-meta',
      summary: 'summary', decision: 'decision', code: 'code', status: 'status', confidence: 'confidence', description: 'description',
      rationale: 'rationale', flags: 'flags', alternatives: 'alternatives', evidenceList: 'evidence-list',
      evidenceCount: 'evidence-count', evidenceFilter: 'evidence-filter', extras: 'extras',
      modelVersion: 'model-version', acceptBtn: 'accept-btn', acceptHint: 'accept-hint',
      reasonInput: 'reason-input', submitOverrideBtn: 'submit-override-btn', feedbackStatus: 'feedback-status',
      feedbackNote: 'feedback-note', errorBanner: 'error-banner', errorText: 'error-text',
      errorClose: 'error-close', helpPanel: 'help-panel', helpBtn: 'help-btn', helpClose: 'help-close',
      busyIndicator: 'busy-indicator',
    };
    for (const [name, id] of Object.entries(ids)) el[name] = $(id);
    el.sideScroll = document.querySelector('.side-scroll');

    el.tabPaste.addEventListener('click', () => setMode('paste'));
    el.tabQueue.addEventListener('click', () => setMode('queue'));
    el.tabPaste.addEventListener('keydown', onTabKey);
    el.tabQueue.addEventListener('keydown', onTabKey);

    el.suggestBtn.addEventListener('click', suggestFromPaste);
    el.clearBtn.addEventListener('click', () => {
      el.reportInput.value = '';
      el.reportId.value = '';
      state.seq.paste += 1;
      setView('paste', null);
      hideError();
      el.reportInput.focus();
    });
    el.queueLoadBtn.addEventListener('click', loadQueueFromInput);
    el.queuePrevBtn.addEventListener('click', () => go(-1));
    el.queueNextBtn.addEventListener('click', () => go(1));

    el.acceptBtn.addEventListener('click', () => submitDecision('accept'));
    el.submitOverrideBtn.addEventListener('click', () => submitDecision('override'));
    for (const code of Object.keys(CHOOSE_ID)) $(CHOOSE_ID[code]).addEventListener('click', () => choose(code, false));
    el.reasonInput.addEventListener('input', () => {
      const v = current();
      if (v) v.reason = el.reasonInput.value;
    });

    el.reportView.addEventListener('click', (e) => {
      const mark = e.target instanceof Element ? e.target.closest('mark.ev[data-index]') : null;
      if (mark) focusEvidence(Number(mark.dataset.index), true);
    });
    el.evidenceList.addEventListener('click', (e) => {
      const li = e.target instanceof Element ? e.target.closest('li[data-index]') : null;
      if (!li) return;
      for (const other of el.evidenceList.querySelectorAll('li[data-index]')) other.tabIndex = -1;
      li.tabIndex = 0;
      focusEvidence(Number(li.dataset.index), false);
    });
    el.evidenceList.addEventListener('keydown', onEvidenceKey);
    el.evidenceFilter.checked = storageGet('nlp-coder.onlySupports') === '1';
    el.evidenceFilter.addEventListener('change', () => {
      storageSet('nlp-coder.onlySupports', el.evidenceFilter.checked ? '1' : '0');
      const only = el.evidenceFilter.checked;
      const v = current();
      const evidence = v && v.suggestion ? v.suggestion.evidence : [];
      for (const li of el.evidenceList.querySelectorAll('li[data-index]')) {
        const ev = evidence[Number(li.dataset.index)];
        li.classList.toggle('is-filtered', Boolean(only && ev && !ev.supports));
      }
    });

    const toggleRationale = () => el.rationale.classList.toggle('expanded');
    el.rationale.addEventListener('click', toggleRationale);
    el.rationale.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggleRationale();
      }
    });

    el.errorClose.addEventListener('click', hideError);
    el.helpBtn.addEventListener('click', () => toggleHelp());
    el.helpClose.addEventListener('click', () => {
      toggleHelp(false);
      el.helpBtn.focus();
    });

    document.addEventListener('keydown', onKeyDown);
    window.addEventListener('message', onMessage);
  }

  async function loadCodeInfo() {
    try {
      const res = await api('GET', '/v1/codes');
      if (!Array.isArray(res.data)) return;
      for (const row of res.data) {
        if (isPlainObject(row) && typeof row.code === 'string' && typeof row.description === 'string') {
          state.codeInfo[row.code] = row.description;
        }
      }
      state.codeInfo.not_codable = 'The report cannot be coded as 70551, 70552 or 70553.';
      const v = current();
      if (v && v.suggestion) {
        renderAlternatives(v);
        renderExtras(v);
        renderDecision(v);
      }
    } catch (_) {
      /* descriptions are only tooltips: the page works without them */
    }
  }

  function init() {
    bind();
    try {
      state.inFrame = window.parent !== window;
    } catch (_) {
      state.inFrame = true;
    }
    state.allowedOrigins = readAllowedOrigins();
    const params = new URLSearchParams(window.location.search);
    state.embed = ['1', 'true', 'yes'].includes((params.get('embed') || '').toLowerCase());
    document.documentElement.classList.toggle('is-embed', state.embed);
    document.body.classList.toggle('is-embed', state.embed);

    const queueId = params.get('queue');
    if (queueId) {
      const item = Number.parseInt(params.get('item') || '0', 10);
      state.queue = newQueue(queueId, 0);
      setMode('queue', true);
      el.queueInfo.textContent = 'Queue opened from the link.';
      fetchQueueMeta(state.queue);
      openQueueItem(Number.isInteger(item) && item >= 0 ? item : 0);
    } else {
      setMode('paste', true);
      render();
      if (!state.embed && !state.inFrame) el.reportInput.focus();
    }
    loadCodeInfo();
    announceReady();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
