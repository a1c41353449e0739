// pvchart-web: one chart's page. Frames and state arrive on a WebSocket; each frame is
// painted on the canvas and acknowledged, so the server sends the next one only when this
// browser is ready for it. PV texts are put into the page as text, never as HTML.
'use strict';

(function () {
  const body = document.body;
  const name = body.dataset.chart;
  const canvas = document.getElementById('chart');
  const painter = canvas.getContext('2d');
  const $ = (id) => document.getElementById(id);
  let socket = null;
  let retry = 500;
  let frames = 0;
  let painting = Promise.resolve();
  let state = null;

  function link(text, ok) {
    $('link').textContent = text;
    $('link').className = 'badge ' + (ok ? 'ok' : 'bad');
  }

  function connect() {
    const url = new URL(encodeURIComponent(name) + '/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => { retry = 500; link('web server connected', true); };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') {
        showState(JSON.parse(event.data));
      } else {
        const data = event.data;
        painting = painting.then(() => paint(data));      // in order, one at a time
      }
    };
    socket.onclose = () => {
      link('web server unreachable: reconnecting', false);
      showImageLink(false, '');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    };
  }

  async function bitmapOf(blob) {
    if (window.createImageBitmap) {
      return createImageBitmap(blob, {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
    }
    const image = new Image();                           // browsers without ImageBitmap
    image.src = URL.createObjectURL(blob);
    await image.decode();
    URL.revokeObjectURL(image.src);
    return image;
  }

  async function paint(buffer) {
    const header = new DataView(buffer, 0, 12);
    const uid = header.getUint32(0);
    const stamp = header.getFloat64(4);
    try {
      const bitmap = await bitmapOf(new Blob([buffer.slice(12)], {type: 'image/png'}));
      if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
      }
      painter.drawImage(bitmap, 0, 0);
      if (bitmap.close) bitmap.close();
      frames += 1;
      canvas.dataset.uid = String(uid);
      body.dataset.frames = String(frames);
      $('uid').textContent = String(uid);
      $('stamp').textContent = new Date(stamp * 1000).toLocaleTimeString();
      $('frames').textContent = String(frames);
    } catch (error) {
      console.error('frame', uid, 'not shown:', error);
    } finally {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send('ack');
    }
  }

  function showImageLink(connected, text) {
    const ioc = $('ioc');
    ioc.textContent = connected ? 'chart IOC connected' : 'chart IOC disconnected';
    ioc.className = 'badge ' + (connected ? 'ok' : 'bad');
    body.dataset.ioc = connected ? 'connected' : 'disconnected';
    $('overlay').hidden = connected;
    $('overlay').textContent = text;
    canvas.classList.toggle('stale', !connected);
  }

  function cell(row, text, cls) {
    const td = row.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function showState(next) {
    state = next;
    const image = state.image;
    showImageLink(image.connected, image.connected ? '' :
      'DISCONNECTED: ' + image.pv + ' does not answer; the picture is the last one received');
    if (image.error) {
      $('overlay').textContent = image.error;
      $('overlay').hidden = false;
    }
    $('range').textContent = state.range ? 'Time range: ' + state.range : '';
    $('status').textContent = state.settings.status || '';
    const archiver = state.settings.archiverStatus;
    $('archiver').hidden = !archiver;
    $('archiver').textContent = archiver ? 'Archiver: ' + archiver : '';
    showTraces();
    showControls();
  }

  function showTraces() {
    const table = $('traces');
    const head = table.tHead.rows[0];
    while (head.cells.length > 3) head.deleteCell(3);
    for (const key of state.readouts) {
      const th = document.createElement('th');
      th.textContent = key;
      head.appendChild(th);
    }
    const rows = table.tBodies[0];
    rows.textContent = '';
    for (const trace of state.traces) {
      const row = rows.insertRow();
      row.dataset.source = trace.source;
      cell(row, String(trace.n));
      const label = cell(row, '', 'trace');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = /^#[0-9a-fA-F]{6}$/.test(trace.color) ? trace.color : '#888';
      const text = document.createElement('span');
      text.className = 'label';
      text.textContent = trace.label;
      label.append(swatch, text);
      if (trace.label !== trace.source) {
        const source = document.createElement('span');
        source.className = 'source';
        source.textContent = trace.source;
        label.append(source);
      }
      const known = trace.connected !== null && trace.connected !== undefined;
      cell(row, known ? (trace.connected ? 'connected' : 'disconnected') : 'unknown',
           known ? (trace.connected ? 'ok' : 'bad') : '');
      for (const key of state.readouts) cell(row, trace.readouts[key] || '', 'number');
    }
  }

  function showControls() {
    const form = $('controls');
    if (!form) return;                                   // read-only: no controls at all
    for (const element of form.querySelectorAll('[data-control]')) {
      element.hidden = !state.controls.includes(element.dataset.control);
    }
    const settings = state.settings;
    const span = $('span');
    if (typeof settings.window === 'number' && document.activeElement !== span) {
      const value = String(settings.window);
      if (![...span.options].some((o) => Number(o.value) === settings.window)) {
        span.add(new Option(settings.window + ' s', value));
      }
      span.value = [...span.options].find((o) => Number(o.value) === settings.window).value;
    }
    const live = form.querySelector('[data-control="live"]');
    live.textContent = settings.live === 'On' ? 'Live (on)' : 'Go live';
    live.setAttribute('aria-pressed', settings.live === 'On');
    const freeze = form.querySelector('[data-control="freeze"]');
    freeze.textContent = settings.freeze === 'On' ? 'Unfreeze' : 'Freeze';
    freeze.setAttribute('aria-pressed', settings.freeze === 'On');
  }

  async function put(pv, value) {
    const message = $('message');
    message.textContent = '';
    try {
      const reply = await fetch(encodeURIComponent(name) + '/set', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({pv: pv, value: value}),
      });
      if (!reply.ok) message.textContent = await reply.text();
    } catch (error) {
      message.textContent = 'not sent: ' + error;
    }
  }

  function wireControls() {
    const form = $('controls');
    if (!form) return;
    $('span').addEventListener('change', (event) => put('window', Number(event.target.value)));
    const button = (control) => form.querySelector('[data-control="' + control + '"]');
    button('back').addEventListener('click', () => put('back', 1));
    button('forward').addEventListener('click', () => put('forward', 1));
    // Live always goes live (as the display's Live button): a toggle read from a page state
    // that has not yet seen the Back just clicked would hold the range instead.
    button('live').addEventListener('click', () => put('live', 'On'));
    button('freeze').addEventListener('click', () =>
      put('freeze', state && state.settings.freeze === 'On' ? 'Off' : 'On'));
  }

  wireControls();
  connect();
})();
