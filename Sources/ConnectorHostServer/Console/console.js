// The ConnectorHost console: sign-in, the plugins dashboard, the Connector
// Builder and the catalogue, on the host's own REST API. No dependency and no
// HTML built from text: every value is put in the page as text, so nothing a
// user or a plugin wrote can become markup. The token travels in a header,
// never a cookie, so no other site can make the browser act with it.
'use strict';

const session = {
  token: sessionStorage.getItem('connector-host.token'),
  me: null,
  refresh: null,
};

// ---------------------------------------------------------------- elements

function el(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'value') node.value = value;
    else if (key === 'checked') node.checked = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function notice(text, kind = '') {
  const line = document.getElementById('notice');
  line.textContent = text;
  line.className = 'notice ' + kind;
}

function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
}

// --------------------------------------------------------------------- API

class APIError extends Error {
  constructor(status, body) {
    super(APIError.messageOf(status, body));
    this.status = status;
    this.body = body;
  }

  // Each API family answers errors in its own shape.
  static messageOf(status, body) {
    if (body && typeof body === 'object') {
      const found = body.error?.message ?? body.errors?.message ?? body.params?.errmsg;
      if (found) return found;
    }
    return `the server answered ${status}`;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit',
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const error = new APIError(response.status, data);
    if (response.status === 401 && path !== '/me') await checkStillSignedIn(error);
    throw error;
  }
  return data;
}

// A 401 is either a token that no longer works (back to sign-in) or a
// request this token may not make (said where it was made).
async function checkStillSignedIn(error) {
  try {
    await api('GET', '/me');
  } catch {
    signOut(`Signed out: ${error.message}`);
  }
}

function failed(error) {
  notice(error instanceof APIError ? error.message : String(error), 'error');
}

// ----------------------------------------------------------------- routing

function stopRefresh() {
  if (session.refresh) clearInterval(session.refresh);
  session.refresh = null;
}

async function route() {
  stopRefresh();
  if (!session.token) return showSignIn();
  if (!session.me) {
    try {
      session.me = await api('GET', '/me');
    } catch (error) {
      return signOut(`Signed out: ${error.message}`);
    }
  }
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = session.me.admin ? 'admin' : `org ${session.me.org}`;
  const [section, id] = location.hash.replace(/^#\/?/, '').split('/');
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.section === (section || 'plugins')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (section === 'builder' && id) return showDraft(decodeURIComponent(id));
  if (section === 'builder') return showDrafts();
  if (section === 'catalogue') return showCatalogue();
  return showPlugins();
}

function signOut(message) {
  stopRefresh();
  session.token = null;
  session.me = null;
  sessionStorage.removeItem('connector-host.token');
  document.getElementById('nav').hidden = true;
  showSignIn();
  notice(message ?? 'Signed out.', message ? 'error' : '');
}

// ----------------------------------------------------------------- sign in

function showSignIn() {
  document.getElementById('nav').hidden = true;
  const token = el('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, autofocus: true });
  const form = el('form', {
    class: 'panel signin',
    onsubmit: async (event) => {
      event.preventDefault();
      session.token = token.value.trim();
      session.me = null;
      try {
        session.me = await api('GET', '/me');
      } catch (error) {
        session.token = null;
        notice(`That token was refused: ${error.message}`, 'error');
        token.focus();
        return;
      }
      sessionStorage.setItem('connector-host.token', session.token);
      notice('');
      if (!location.hash || location.hash === '#/') location.hash = '#/plugins';
      else route();
    },
  },
  el('h2', { text: 'Sign in' }),
  el('p', { class: 'muted', text: 'An org token shows that org\'s connectors; the admin token shows everything.' }),
  el('label', {}, el('span', { text: 'Token' }), token),
  el('button', { type: 'submit', class: 'primary', id: 'sign-in', text: 'Sign in' }));
  show(form);
  token.focus();
}

// ---------------------------------------------------------- plugins board

function spark(windows) {
  const values = windows.map((window) => window.callsPerSecond);
  const top = Math.max(...values, 0.1);
  const chart = svg('svg', { class: 'spark', viewBox: `0 0 ${values.length - 1} 10`, preserveAspectRatio: 'none', role: 'img' });
  chart.setAttribute('aria-label', `calls per second over the last ${values.length * 10} seconds`);
  const points = values.map((value, index) => `${index},${(10 - (value / top) * 9.5).toFixed(2)}`).join(' ');
  chart.append(svg('polyline', { points }));
  return chart;
}

function milliseconds(value) {
  return value === null || value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(0);
}

async function pluginAction(name, action) {
  try {
    await api('POST', `/plugins/${encodeURIComponent(name)}/${action}`);
    notice(`${name}: ${action} done.`, 'ok');
  } catch (error) {
    failed(error);
  }
  refreshPlugins();
}

const board = { rows: new Map(), body: null };

function pluginRow(name) {
  const cells = {};
  for (const key of ['name', 'runtime', 'version', 'health', 'breaker', 'restarts', 'rate', 'p50', 'p99', 'chart', 'crash', 'reload', 'actions']) {
    cells[key] = el('td', { class: ['restarts', 'rate', 'p50', 'p99'].includes(key) ? 'number' : ['crash', 'reload'].includes(key) ? 'detail' : '' });
  }
  cells.name.textContent = name;
  if (session.me.admin) {
    const pause = el('button', { type: 'button', 'data-action': 'pause', onclick: () => pluginAction(name, pause.dataset.action) });
    cells.actions.append(el('div', { class: 'actions' },
      el('button', { type: 'button', 'data-action': 'restart', onclick: () => pluginAction(name, 'restart'), text: 'Restart' }),
      pause,
      el('button', { type: 'button', 'data-action': 'reload', onclick: () => pluginAction(name, 'reload'), text: 'Reload' })));
    cells.pause = pause;
  }
  const row = el('tr', { 'data-plugin': name }, Object.entries(cells).filter(([key]) => key !== 'pause').map(([, cell]) => cell));
  return { row, cells };
}

async function refreshPlugins() {
  let plugins;
  let activity;
  try {
    [plugins, activity] = await Promise.all([api('GET', '/plugins'), api('GET', '/activity')]);
  } catch (error) {
    return failed(error);
  }
  if (!board.body || !board.body.isConnected) return;
  const recent = new Map(activity.plugins.map((plugin) => [plugin.name, plugin.windows]));
  const seen = new Set();
  for (const plugin of plugins.plugins) {
    seen.add(plugin.name);
    let entry = board.rows.get(plugin.name);
    if (!entry) {
      entry = pluginRow(plugin.name);
      board.rows.set(plugin.name, entry);
      board.body.append(entry.row);
    }
    const { cells } = entry;
    cells.runtime.textContent = plugin.runtime;
    cells.version.textContent = plugin.version;
    cells.health.replaceChildren(el('span', { class: `health health-${plugin.health}`, text: plugin.health }));
    cells.breaker.textContent = plugin.breaker;
    cells.restarts.textContent = plugin.restarts;
    cells.crash.textContent = plugin.lastCrash ?? '';
    cells.reload.textContent = plugin.lastReloadError ?? '';
    const windows = recent.get(plugin.name);
    // The last complete window: the current one is still filling.
    const last = windows ? windows[windows.length - 2] : null;
    cells.rate.textContent = last ? last.callsPerSecond.toFixed(1) : '–';
    cells.p50.textContent = last ? milliseconds(last.p50Milliseconds) : '–';
    cells.p99.textContent = last ? milliseconds(last.p99Milliseconds) : '–';
    cells.chart.replaceChildren(windows ? spark(windows) : '');
    if (cells.pause) {
      const paused = plugin.health === 'paused';
      cells.pause.dataset.action = paused ? 'resume' : 'pause';
      cells.pause.textContent = paused ? 'Resume' : 'Pause';
    }
  }
  for (const [name, entry] of board.rows) {
    if (!seen.has(name)) {
      entry.row.remove();
      board.rows.delete(name);
    }
  }
}

function showPlugins() {
  board.rows.clear();
  board.body = el('tbody');
  const headings = ['Plugin', 'Runtime', 'Version', 'Health', 'Breaker', 'Restarts', 'Calls/s', 'p50 ms', 'p99 ms',
    'Last 5 min', 'Last crash', 'Last refused reload'];
  if (session.me.admin) headings.push('Actions');
  show(el('section', { class: 'panel' },
    el('h2', { text: 'Plugins' }),
    el('p', { class: 'muted', text: 'Refreshed every second. Calls per second and latency: the last complete ten seconds.' }),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'plugins' }, el('thead', {}, el('tr', {}, headings.map((text) => el('th', { scope: 'col', text })))), board.body))));
  refreshPlugins();
  session.refresh = setInterval(refreshPlugins, 1000);
}

// ----------------------------------------------------------------- builder

const builder = {
  draft: null,
  document: null,
  tab: 'overview',
  renderTimer: null,
  yamlTimer: null,
  form: null,
  yaml: null,
  problems: null,
  result: null,
};

const TYPES = ['General', 'OEM', 'DMS', 'CRM', 'Finance', 'Telematics', 'Logistics'];
const AUTH_TYPES = ['none', 'api_key', 'basic', 'bearer', 'oauth2'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const LOCATIONS = ['query', 'path', 'header', 'body'];
const PARAMETER_TYPES = ['string', 'number', 'integer', 'boolean'];
const RESILIENCE = [
  ['timeout_seconds', 'Timeout (seconds)', 30],
  ['max_retries', 'Max retries', 3],
  ['retry_delay_seconds', 'Retry delay (seconds)', 1],
  ['rate_limit_per_minute', 'Rate limit (per minute)', 60],
  ['circuit_breaker_threshold', 'Circuit breaker threshold', 5],
  ['circuit_breaker_recovery_seconds', 'Circuit breaker recovery (seconds)', 30],
];

async function showDrafts() {
  const list = el('tbody');
  const fileInput = el('input', { type: 'file', id: 'openapi-file', accept: '.yaml,.yml,.json' });
  const importButton = el('button', {
    type: 'button', id: 'import-openapi', text: 'Import OpenAPI',
    onclick: async () => {
      const file = fileInput.files[0];
      if (!file) return notice('Choose an OpenAPI file first.', 'error');
      try {
        const imported = await api('POST', '/builder/imports/openapi', { text: await file.text() });
        const draft = await api('POST', '/builder/drafts', { document: imported.document });
        notice(imported.notes.length ? `Imported. ${imported.notes.join(' ')}` : 'Imported.', 'ok');
        location.hash = `#/builder/${encodeURIComponent(draft.id)}`;
      } catch (error) {
        failed(error);
      }
    },
  });
  show(el('section', { class: 'panel' },
    el('h2', { text: 'Connector Builder' }),
    el('div', { class: 'row' },
      el('button', {
        type: 'button', class: 'primary', id: 'new-draft', text: 'New connector',
        onclick: async () => {
          try {
            const draft = await api('POST', '/builder/drafts', { document: { name: 'New connector', auth_type: 'none', operations: [] } });
            location.hash = `#/builder/${encodeURIComponent(draft.id)}`;
          } catch (error) {
            failed(error);
          }
        },
      }),
      el('label', {}, el('span', { text: 'OpenAPI 3 description' }), fileInput),
      importButton),
    el('h3', { text: 'Drafts' }),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'drafts' },
        el('thead', {}, el('tr', {}, ['Name', 'Slug', 'Problems', 'Untested operations', 'Saved'].map((text) => el('th', { scope: 'col', text })))),
        list))));
  try {
    const { drafts } = await api('GET', '/builder/drafts');
    for (const draft of drafts) {
      list.append(el('tr', {},
        el('td', {}, el('a', { href: `#/builder/${encodeURIComponent(draft.id)}`, text: draft.document?.name ?? draft.id })),
        el('td', { text: draft.document?.slug ?? '' }),
        el('td', { class: 'number', text: draft.problems.length }),
        el('td', { text: draft.untestedOperations.join(', ') }),
        el('td', { text: draft.updatedAt })));
    }
    if (!drafts.length) list.append(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No drafts yet.' })));
  } catch (error) {
    failed(error);
  }
}

// The document as the form edits it: a plain object, fields removed when emptied.
function field(object, key, value) {
  if (value === '' || value === undefined || value === null) delete object[key];
  else object[key] = value;
  documentChanged();
}

function documentChanged() {
  clearTimeout(builder.renderTimer);
  builder.renderTimer = setTimeout(renderYAML, 250);
}

async function renderYAML() {
  try {
    const rendered = await api('POST', '/builder/documents/yaml', { document: builder.document });
    if (document.activeElement !== builder.yaml) builder.yaml.value = rendered.yaml;
    builder.yaml.classList.remove('invalid');
    showProblems(rendered.problems);
  } catch (error) {
    failed(error);
  }
}

async function readYAML() {
  try {
    const read = await api('POST', '/builder/documents/yaml', { yaml: builder.yaml.value });
    builder.document = read.document && typeof read.document === 'object' ? read.document : {};
    builder.yaml.classList.remove('invalid');
    document.getElementById('yaml-error').textContent = '';
    showProblems(read.problems);
    renderForm();
  } catch (error) {
    builder.yaml.classList.add('invalid');
    document.getElementById('yaml-error').textContent = error.message;
  }
}

function showProblems(problems) {
  builder.problems.replaceChildren(...(problems.length
    ? problems.map((problem) => el('li', { text: problem }))
    : [el('li', { text: 'No problems: the document is valid.' })]));
  builder.problems.className = problems.length ? 'problems' : 'problems none';
}

function textInput(label, object, key, attributes = {}) {
  const input = el('input', {
    type: 'text', value: object[key] ?? '', 'data-field': key, ...attributes,
    oninput: () => field(object, key, attributes.type === 'number' ? (input.value === '' ? '' : Number(input.value)) : input.value),
  });
  return el('label', {}, el('span', { text: label }), input);
}

function selectInput(label, object, key, options, fallback, onchange) {
  const select = el('select', {
    'data-field': key,
    onchange: () => {
      field(object, key, select.value);
      if (onchange) onchange();
    },
  }, options.map((option) => el('option', { value: option, text: option, selected: (object[key] ?? fallback) === option })));
  return el('label', {}, el('span', { text: label }), select);
}

function checkbox(label, object, key, fallback) {
  const box = el('input', { type: 'checkbox', 'data-field': key, checked: object[key] ?? fallback, onchange: () => field(object, key, box.checked) });
  return el('label', { class: 'inline' }, box, el('span', { text: label }));
}

function overviewTab(doc) {
  return [
    el('div', { class: 'row' },
      textInput('Name', doc, 'name', { required: true, id: 'field-name' }),
      textInput('Slug (from the name when empty; fixed once published)', doc, 'slug', { pattern: '[a-z0-9]+(-[a-z0-9]+)*', id: 'field-slug' })),
    el('div', { class: 'row' },
      selectInput('Type', doc, 'type', TYPES, 'General'),
      textInput('Version', doc, 'version', { pattern: '\\d+\\.\\d+\\.\\d+(-.*|\\+.*)?', placeholder: '1.0.0', id: 'field-version' })),
    textInput('Description', doc, 'description', { id: 'field-description' }),
    textInput('Base URL', doc, 'base_url', { type: 'url', required: true, id: 'field-base-url', placeholder: 'https://api.example.com' }),
    el('div', { class: 'row' },
      textInput('Icon (PNG or SVG file)', doc, 'icon', { pattern: '.*\\.(png|svg|PNG|SVG)', id: 'field-icon' }),
      textInput('Documentation URL', doc, 'documentation_url', { type: 'url', id: 'field-documentation-url' })),
  ];
}

function authTab(doc) {
  const type = doc.auth_type ?? 'none';
  const parts = [selectInput('Auth type', doc, 'auth_type', AUTH_TYPES, 'none', renderForm)];
  if (type === 'api_key') {
    parts.push(el('div', { class: 'row' },
      textInput('Header name', doc, 'header_name', { id: 'field-header-name', placeholder: 'X-API-Key' }),
      textInput('or query parameter name', doc, 'query_name', { id: 'field-query-name' }),
      textInput('Key prefix', doc, 'key_prefix', { id: 'field-key-prefix' })));
  }
  if (type === 'oauth2') {
    parts.push(el('div', { class: 'row' },
      selectInput('Grant', doc, 'grant_type', ['client_credentials', 'authorization_code'], 'client_credentials'),
      textInput('Token URL', doc, 'token_url', { type: 'url', id: 'field-token-url' }),
      textInput('Scopes', doc, 'scopes', { id: 'field-scopes' }),
      selectInput('Client authentication', doc, 'client_auth', ['basic', 'body'], 'basic')));
  }
  doc.credential_schema = doc.credential_schema && typeof doc.credential_schema === 'object' ? doc.credential_schema : {};
  const schema = doc.credential_schema;
  const fields = Object.keys(schema).map((name) => {
    const credential = schema[name] && typeof schema[name] === 'object' ? schema[name] : (schema[name] = {});
    return el('div', { class: 'item', 'data-credential': name },
      el('div', { class: 'row' },
        el('strong', { text: name }),
        textInput('Display label', credential, 'label'),
        selectInput('Type', credential, 'type', ['string', 'password'], 'string'),
        textInput('Default', credential, 'default')),
      textInput('Help text', credential, 'help'),
      checkbox('Required', credential, 'required', false),
      checkbox('Sensitive (never shown or stored in clear)', credential, 'sensitive', false),
      el('button', { type: 'button', text: `Remove ${name}`, onclick: () => { delete schema[name]; documentChanged(); renderForm(); } }));
  });
  const newName = el('input', { type: 'text', id: 'new-credential', pattern: '[A-Za-z_][A-Za-z0-9_]*', placeholder: 'api_key' });
  parts.push(el('h3', { text: 'Credential schema' }), ...fields, el('div', { class: 'row' },
    el('label', {}, el('span', { text: 'Field name' }), newName),
    el('button', {
      type: 'button', id: 'add-credential', text: 'Add field',
      onclick: () => {
        const name = newName.value.trim();
        if (!newName.checkValidity() || !name) return notice('A field name is letters, digits and underscores.', 'error');
        if (schema[name]) return notice(`There is a field ${name} already.`, 'error');
        schema[name] = { label: name, type: 'string', required: true };
        documentChanged();
        renderForm();
      },
    })));
  return parts;
}

function parameterEditor(operation) {
  operation.parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
  const rows = operation.parameters.map((parameter, index) => el('div', { class: 'row item' },
    textInput('Name', parameter, 'name', { required: true }),
    selectInput('Location', parameter, 'location', LOCATIONS, 'query'),
    selectInput('Type', parameter, 'type', PARAMETER_TYPES, 'string'),
    textInput('Default', parameter, 'default'),
    textInput('Description', parameter, 'description'),
    checkbox('Required', parameter, 'required', false),
    el('button', { type: 'button', text: 'Remove parameter', onclick: () => { operation.parameters.splice(index, 1); documentChanged(); renderForm(); } })));
  return [el('h3', { text: 'Parameters' }), ...rows,
    el('button', {
      type: 'button', class: 'add-parameter', text: 'Add parameter',
      onclick: () => { operation.parameters.push({ name: '', location: 'query', type: 'string' }); documentChanged(); renderForm(); },
    })];
}

function schemaEditor(operation) {
  const area = el('textarea', { rows: 6, 'aria-label': 'Response schema (JSON Schema)' });
  area.value = operation.response_schema ? JSON.stringify(operation.response_schema, null, 2) : '';
  const error = el('p', { class: 'error' });
  area.addEventListener('input', () => {
    if (!area.value.trim()) {
      error.textContent = '';
      area.classList.remove('invalid');
      return field(operation, 'response_schema', '');
    }
    try {
      const schema = JSON.parse(area.value);
      error.textContent = '';
      area.classList.remove('invalid');
      field(operation, 'response_schema', schema);
    } catch (problem) {
      area.classList.add('invalid');
      error.textContent = `Not JSON: ${problem.message}`;
    }
  });
  return el('label', {}, el('span', { text: 'Response schema (JSON Schema, optional)' }), area, error);
}

function operationsTab(doc) {
  doc.operations = Array.isArray(doc.operations) ? doc.operations : [];
  const items = doc.operations.map((operation, index) => el('div', { class: 'item', 'data-operation': operation.name ?? '' },
    el('div', { class: 'row' },
      textInput('Name', operation, 'name', { required: true, pattern: '[a-z0-9_]+' }),
      textInput('Display name', operation, 'display_name'),
      selectInput('Method', operation, 'method', METHODS, 'GET'),
      textInput('Path (appended to the base URL; {placeholders} for path parameters)', operation, 'path', { required: true })),
    textInput('Description', operation, 'description'),
    ...parameterEditor(operation),
    schemaEditor(operation),
    el('button', { type: 'button', text: `Remove operation ${operation.name ?? ''}`, onclick: () => { doc.operations.splice(index, 1); documentChanged(); renderForm(); } })));
  return [...items, el('button', {
    type: 'button', id: 'add-operation', text: 'Add operation',
    onclick: () => { doc.operations.push({ name: `operation_${doc.operations.length + 1}`, method: 'GET', path: '/' }); documentChanged(); renderForm(); },
  })];
}

function resilienceTab(doc) {
  doc.resilience = doc.resilience && typeof doc.resilience === 'object' ? doc.resilience : {};
  const settings = doc.resilience;
  return [
    el('p', { class: 'muted', text: 'Empty fields take the builder\'s defaults, shown greyed.' }),
    ...RESILIENCE.map(([key, label, fallback]) => textInput(label, settings, key, { type: 'number', min: 0, placeholder: String(fallback) })),
    selectInput('Retry backoff', settings, 'retry_backoff', ['none', 'linear', 'exponential'], 'exponential'),
  ];
}

function showTestResult(outcome) {
  const result = outcome.result;
  const parts = [el('p', {
    class: outcome.passed ? 'notice ok' : 'notice error',
    text: outcome.passed ? `Passed${outcome.kept ? ', kept as this definition\'s example' : ''}.` : `Failed: ${result.error?.message ?? 'the answer does not match the schema'}`,
  })];
  if (result.request) {
    parts.push(el('h3', { text: 'Request as sent (secrets masked)' }),
      el('pre', { class: 'sent', text: `${result.request.method} ${result.request.url}\n${Object.entries(result.request.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}${result.request.body === undefined ? '' : `\n\n${JSON.stringify(result.request.body, null, 2)}`}` }));
  }
  if (result.status !== undefined) {
    parts.push(el('h3', { text: `Answer: ${result.status} in ${(result.seconds * 1000).toFixed(0)} ms` }),
      el('pre', { class: 'answer-headers', text: Object.entries(result.headers).map(([name, value]) => `${name}: ${value}`).join('\n') }),
      el('pre', { class: 'answer-body', text: typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2) ?? '' }));
  }
  if (result.schemaMismatches) {
    parts.push(el('h3', { text: 'Schema check' }), result.schemaMismatches.length
      ? el('ul', { class: 'problems' }, result.schemaMismatches.map((text) => el('li', { text })))
      : el('p', { class: 'notice ok', text: 'The answer matches the response schema.' }));
  }
  builder.result.replaceChildren(...parts);
}

function testTab(doc) {
  const operations = Array.isArray(doc.operations) ? doc.operations : [];
  if (!operations.length) return [el('p', { class: 'muted', text: 'Add an operation to test it.' })];
  const chosen = operations.find((operation) => operation.name === builder.testOperation) ?? operations[0];
  builder.testOperation = chosen.name;
  const parameterInputs = (Array.isArray(chosen.parameters) ? chosen.parameters : []).map((parameter) => {
    const input = el('input', { type: 'text', name: parameter.name, 'data-parameter': parameter.name, placeholder: parameter.default ?? '', required: parameter.required === true });
    return { parameter, input, label: el('label', {}, el('span', { text: `${parameter.name} (${parameter.location ?? 'query'}, ${parameter.type ?? 'string'})` }), input) };
  });
  const schema = doc.credential_schema && typeof doc.credential_schema === 'object' ? doc.credential_schema : {};
  const credentialInputs = Object.entries(schema).map(([name, credential]) => {
    const input = el('input', { type: credential?.type === 'password' ? 'password' : 'text', autocomplete: 'off', 'data-credential': name, placeholder: credential?.default ?? '' });
    return { name, input, label: el('label', {}, el('span', { text: credential?.label ?? name }), input) };
  });
  const typed = (parameter, text) => {
    if (parameter.type === 'integer' || parameter.type === 'number') return text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text);
    if (parameter.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
    return text;
  };
  const selector = el('select', { id: 'test-operation', onchange: () => { builder.testOperation = selector.value; renderForm(); } },
    operations.map((operation) => el('option', { value: operation.name, text: operation.name, selected: operation === chosen })));
  const untested = builder.draft.untestedOperations ?? [];
  return [
    el('p', { class: 'muted', text: 'Test credentials are sent with this request only and never stored. Save first: the saved draft is what is tested.' }),
    el('p', { id: 'untested', text: untested.length ? `Not yet passed with their current definition: ${untested.join(', ')}` : 'Every operation has passed a test with its current definition.' }),
    el('label', {}, el('span', { text: 'Operation' }), selector),
    el('h3', { text: 'Parameters' }), ...parameterInputs.map((entry) => entry.label),
    el('h3', { text: 'Test credentials' }), ...credentialInputs.map((entry) => entry.label),
    el('button', {
      type: 'button', class: 'primary', id: 'send-test', text: 'Send',
      onclick: async () => {
        const parameters = {};
        for (const { parameter, input } of parameterInputs) if (input.value !== '') parameters[parameter.name] = typed(parameter, input.value);
        const credentials = {};
        for (const { name, input } of credentialInputs) if (input.value !== '') credentials[name] = input.value;
        builder.result.replaceChildren(el('p', { class: 'muted', text: 'Sending…' }));
        try {
          await saveDraft(false);
          const outcome = await api('POST', `/builder/drafts/${encodeURIComponent(builder.draft.id)}/test`, { operation: chosen.name, parameters, credentials });
          showTestResult(outcome);
          builder.draft = await api('GET', `/builder/drafts/${encodeURIComponent(builder.draft.id)}`);
          document.getElementById('untested').textContent = builder.draft.untestedOperations.length
            ? `Not yet passed with their current definition: ${builder.draft.untestedOperations.join(', ')}`
            : 'Every operation has passed a test with its current definition.';
        } catch (error) {
          builder.result.replaceChildren(el('p', { class: 'notice error', text: error.message }));
        }
      },
    }),
    el('button', {
      type: 'button', id: 'retest-all', text: 'Re-test every operation with its kept example',
      onclick: async () => {
        const credentials = {};
        for (const { name, input } of credentialInputs) if (input.value !== '') credentials[name] = input.value;
        builder.result.replaceChildren(el('p', { class: 'muted', text: 'Re-testing…' }));
        try {
          await saveDraft(false);
          const { results, untestedOperations } = await api('POST', `/builder/drafts/${encodeURIComponent(builder.draft.id)}/retest`, { credentials });
          builder.result.replaceChildren(el('ul', { id: 'retest-results' }, results.map((entry) => el('li', {
            class: entry.outcome?.passed ? 'notice ok' : 'notice error',
            text: entry.outcome
              ? `${entry.operation}: ${entry.outcome.passed ? 'passed' : `failed (${entry.outcome.result.error?.message ?? 'the answer does not match the schema'})`}; the example was answered ${entry.exampleStatus ?? '?'}, now ${entry.outcome.result.status ?? 'no answer'}`
              : `${entry.operation}: no kept example yet; test it once`,
          }))));
          builder.draft = await api('GET', `/builder/drafts/${encodeURIComponent(builder.draft.id)}`);
          document.getElementById('untested').textContent = untestedOperations.length
            ? `Not yet passed with their current definition: ${untestedOperations.join(', ')}`
            : 'Every operation has passed a test with its current definition.';
        } catch (error) {
          builder.result.replaceChildren(el('p', { class: 'notice error', text: error.message }));
        }
      },
    }),
    builder.result,
  ];
}

function nextVersion(published) {
  const last = published[published.length - 1]?.version;
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(last ?? '');
  return match ? `${match[1]}.${match[2]}.${Number(match[3]) + 1}` : (builder.document.version ?? '1.0.0');
}

function publishTab() {
  const history = el('tbody');
  const version = el('input', { type: 'text', id: 'publish-version', required: true, pattern: '\\d+\\.\\d+\\.\\d+(-.*|\\+.*)?' });
  const scope = el('select', { id: 'publish-scope' },
    el('option', { value: 'org', text: 'My org only' }),
    session.me.admin ? el('option', { value: 'catalogue', text: 'Catalogue (every org)' }) : null);
  const changelog = el('input', { type: 'text', id: 'publish-changelog', required: true, maxlength: 500 });
  const org = el('select', { id: 'publish-org' });
  const needsOrg = session.me.admin && !builder.draft.org;
  const outcome = el('div', { id: 'publish-result' });
  const untested = builder.draft.untestedOperations ?? [];
  const load = async () => {
    try {
      const { publications } = await api('GET', `/builder/drafts/${encodeURIComponent(builder.draft.id)}/publications`);
      version.value = nextVersion(publications);
      history.replaceChildren(...publications.map((publication) => el('tr', {},
        el('td', { text: publication.version }), el('td', { text: publication.slug }), el('td', { text: publication.scope }),
        el('td', { text: publication.changelog }), el('td', { text: publication.publishedBy }), el('td', { text: publication.publishedAt }))));
      if (!publications.length) history.append(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'Not published yet.' })));
      if (needsOrg) {
        const { orgs } = await api('GET', '/admin/orgs');
        org.replaceChildren(...orgs.map((each) => el('option', { value: each.id, text: `${each.name} (${each.id})` })));
      }
    } catch (error) {
      failed(error);
    }
  };
  load();
  return [
    el('p', { class: untested.length ? 'error' : 'muted', text: untested.length
      ? `Publishing needs a passing test of every operation's current definition; not yet: ${untested.join(', ')}.`
      : 'Every operation has passed a test with its current definition. A published version never changes; the slug is fixed by the first publication.' }),
    el('div', { class: 'row' },
      el('label', {}, el('span', { text: 'Version (greater than the last)' }), version),
      el('label', {}, el('span', { text: 'Scope' }), scope),
      needsOrg ? el('label', {}, el('span', { text: 'Owning org' }), org) : null),
    el('label', {}, el('span', { text: 'Changelog (one line)' }), changelog),
    el('button', {
      type: 'button', class: 'primary', id: 'publish', text: 'Publish',
      onclick: async () => {
        if (!version.checkValidity() || !changelog.checkValidity()) {
          return outcome.replaceChildren(el('p', { class: 'notice error', text: 'A semantic version and a changelog line are needed.' }));
        }
        const body = { version: version.value, scope: scope.value, changelog: changelog.value };
        if (needsOrg) body.org = org.value;
        try {
          await saveDraft(false);
          const published = await api('POST', `/builder/drafts/${encodeURIComponent(builder.draft.id)}/publish`, body);
          outcome.replaceChildren(el('p', { class: 'notice ok', text: `Published ${published.slug} ${published.version} (${published.scope}); catalogue entry ${published.catalogueId}.` }));
          load();
        } catch (error) {
          outcome.replaceChildren(el('p', { class: 'notice error', text: error.message }));
        }
      },
    }),
    outcome,
    el('h3', { text: 'Published versions' }),
    el('div', { class: 'table-wrap' }, el('table', { id: 'publications' },
      el('thead', {}, el('tr', {}, ['Version', 'Slug', 'Scope', 'Changelog', 'By', 'When'].map((text) => el('th', { scope: 'col', text })))),
      history)),
  ];
}

const TABS = [
  ['overview', 'Overview', overviewTab],
  ['auth', 'Auth & Credentials', authTab],
  ['operations', 'Operations', operationsTab],
  ['resilience', 'Resilience', resilienceTab],
  ['test', 'Test', testTab],
  ['publish', 'Publish', publishTab],
];

function renderForm() {
  const tab = TABS.find(([key]) => key === builder.tab) ?? TABS[0];
  builder.form.replaceChildren(
    el('div', { class: 'tabs', role: 'tablist' }, TABS.map(([key, label]) => el('button', {
      type: 'button', role: 'tab', id: `tab-${key}`, 'aria-selected': key === tab[0] ? 'true' : 'false', text: label,
      onclick: () => { builder.tab = key; renderForm(); document.getElementById(`tab-${key}`).focus(); },
    }))),
    el('div', { role: 'tabpanel', 'aria-labelledby': `tab-${tab[0]}` }, tab[2](builder.document)));
}

async function saveDraft(announce = true) {
  builder.draft = await api('PUT', `/builder/drafts/${encodeURIComponent(builder.draft.id)}`, { document: builder.document });
  showProblems(builder.draft.problems);
  if (announce) notice(builder.draft.problems.length ? `Saved, with ${builder.draft.problems.length} problem(s).` : 'Saved.', 'ok');
}

async function showDraft(id) {
  try {
    builder.draft = await api('GET', `/builder/drafts/${encodeURIComponent(id)}`);
  } catch (error) {
    failed(error);
    return showDrafts();
  }
  builder.document = builder.draft.document && typeof builder.draft.document === 'object' ? builder.draft.document : {};
  builder.form = el('div', { class: 'panel', id: 'builder-form' });
  builder.result = el('div', { id: 'test-result' });
  builder.problems = el('ul', { class: 'problems', id: 'problems' });
  builder.yaml = el('textarea', { id: 'yaml', rows: 30, spellcheck: 'false', 'aria-label': 'The document as YAML' });
  builder.yaml.value = builder.draft.yaml;
  builder.yaml.addEventListener('input', () => {
    clearTimeout(builder.yamlTimer);
    builder.yamlTimer = setTimeout(readYAML, 400);
  });
  show(
    el('div', { class: 'row' },
      el('h2', { text: `Draft ${builder.draft.id}` }),
      el('button', { type: 'button', class: 'primary', id: 'save-draft', text: 'Save', onclick: () => saveDraft().catch(failed) }),
      el('button', {
        type: 'button', id: 'delete-draft', text: 'Delete',
        onclick: async () => {
          if (!confirm('Delete this draft?')) return;
          try {
            await api('DELETE', `/builder/drafts/${encodeURIComponent(builder.draft.id)}`);
            location.hash = '#/builder';
          } catch (error) {
            failed(error);
          }
        },
      }),
      el('a', { href: '#/builder', text: 'All drafts' })),
    builder.problems,
    el('div', { class: 'editor' },
      builder.form,
      el('div', { class: 'panel' }, el('h3', { text: 'YAML' }), el('p', { id: 'yaml-error', class: 'error' }), builder.yaml)));
  showProblems(builder.draft.problems);
  renderForm();
}

// --------------------------------------------------------------- catalogue

async function catalogueAction(entry, status) {
  try {
    await api('POST', `/v2/connectors/${encodeURIComponent(entry.id)}/status`, { request: { status } });
    notice(`${entry.name} ${entry.version}: ${status}.`, 'ok');
  } catch (error) {
    failed(error);
  }
  listCatalogue();
}

const catalogue = { body: null, status: null, category: null, report: null };

async function listCatalogue() {
  const filters = {};
  if (catalogue.status.value) filters.status = [catalogue.status.value];
  if (catalogue.category.value.trim()) filters.category = [catalogue.category.value.trim()];
  let answer;
  try {
    answer = await api('POST', '/v2/connectors/list', { request: { filters } });
  } catch (error) {
    return failed(error);
  }
  const next = { Draft: ['InValidation'], InValidation: ['Live'], Live: ['Retired'], Retired: [] };
  catalogue.body.replaceChildren(...answer.result.data.map((entry) => el('tr', { 'data-entry': entry.id },
    el('td', { text: entry.name }),
    el('td', { text: entry.version }),
    el('td', { text: entry.type ?? '' }),
    el('td', { text: entry.category ?? '' }),
    el('td', {}, el('span', { class: `health status-${entry.status}`, text: entry.status })),
    el('td', { text: entry.scope ?? '' }),
    el('td', {}, el('div', { class: 'actions' },
      (next[entry.status] ?? []).map((status) => el('button', { type: 'button', text: `Move to ${status}`, onclick: () => catalogueAction(entry, status) })),
      el('button', {
        type: 'button', text: 'Conformance report',
        onclick: () => catalogue.report.replaceChildren(el('h3', { text: `${entry.name} ${entry.version}: conformance report` }),
          el('pre', { text: entry.validation_report ? JSON.stringify(entry.validation_report, null, 2) : 'No report yet: it is written when the entry is validated.' })),
      }))))));
  if (!answer.result.data.length) catalogue.body.append(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: 'No entries match.' })));
}

function showCatalogue() {
  catalogue.body = el('tbody');
  catalogue.report = el('div', { id: 'report' });
  catalogue.status = el('select', { id: 'filter-status', onchange: listCatalogue },
    ['', 'Draft', 'InValidation', 'Live', 'Retired'].map((status) => el('option', { value: status, text: status || 'any' })));
  catalogue.category = el('input', { type: 'text', id: 'filter-category', onchange: listCatalogue });
  show(el('section', { class: 'panel' },
    el('h2', { text: 'Catalogue' }),
    el('div', { class: 'filters' },
      el('label', {}, el('span', { text: 'Status' }), catalogue.status),
      el('label', {}, el('span', { text: 'Category' }), catalogue.category)),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'catalogue' },
        el('thead', {}, el('tr', {}, ['Name', 'Version', 'Type', 'Category', 'Status', 'Scope', 'Actions'].map((text) => el('th', { scope: 'col', text })))),
        catalogue.body)),
    catalogue.report));
  listCatalogue();
}

// -------------------------------------------------------------------- start

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => { notice(''); route(); });
route();
