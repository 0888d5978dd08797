/*
 * Mobility Concierge website chat widget. Plain JavaScript, no dependencies, no build step.
 *
 *   <script src="https://assistant.example.com/widget.js" defer
 *           data-server="https://assistant.example.com:5005" data-title="Lakeside Corvane"
 *           data-greeting="Hi! Ask me anything." data-color="#0b5cad" data-position="right"></script>
 *
 * It talks to Rasa's socket.io channel with the socket.io v4 protocol (Engine.IO 4 over a
 * WebSocket; see "Connection" below). The conversation is one session id kept in localStorage, so
 * it carries across page loads and tabs, and the messages so far are kept there too (this browser
 * only: nothing is ever fetched from the server, so no other customer's conversation can be read).
 * Everything the bot or customer writes is shown with textContent, never parsed as HTML. Where the
 * dealer turned page views on, it also reports each page's path and title (see "Page views").
 */
(() => {
  "use strict";

  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const MAX_MESSAGES = 200; // kept per browser; older ones drop off
  const MAX_CHARS = 20000; // the server's limit per message
  const SEND_TIMEOUT_MS = 60000; // no acknowledgement by then: the connection is dead, reconnect

  const settings = {
    server: (data.server || "").replace(/\/+$/, ""),
    title: data.title || "Chat with us",
    greeting: data.greeting || "",
    color: data.color && window.CSS && CSS.supports("color", data.color) ? data.color : "",
    position: data.position === "left" ? "left" : "right",
  };
  if (!/^https?:\/\/[^/]+$/.test(settings.server)) {
    console.error('Chat widget: set data-server to the chat server, like data-server="https://chat.example.com"');
    return;
  }
  const STORAGE_KEY = "mobility-concierge:" + settings.server;

  function randomHex(bytes) {
    const values = crypto.getRandomValues(new Uint8Array(bytes));
    return Array.from(values, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* ---- Storage: the session id and the conversation so far, shared by this site's tabs. ---- */

  function usable(storage) {
    try {
      storage.setItem("mobility-concierge:probe", "1");
      storage.removeItem("mobility-concierge:probe");
      return storage;
    } catch (error) {
      return null; // blocked (private mode, settings): the widget still works for this page view
    }
  }
  const local = usable(window.localStorage);
  const perTab = usable(window.sessionStorage);

  // Which tab sent a message; sessionStorage survives a reload of the same tab. Only the tab that
  // sent the latest message records the replies (every tab of the session receives them).
  const tabId = (perTab && perTab.getItem("mobility-concierge:tab")) || randomHex(8);
  if (perTab) perTab.setItem("mobility-concierge:tab", tabId);

  function loadState() {
    let loaded = null;
    try {
      loaded = JSON.parse((local && local.getItem(STORAGE_KEY)) || "null");
    } catch (error) {
      loaded = null;
    }
    if (!loaded || typeof loaded.sessionId !== "string" || !Array.isArray(loaded.messages)) {
      return { sessionId: randomHex(16), writer: tabId, messages: [] };
    }
    return loaded;
  }

  let state = loadState();

  function saveState() {
    state.messages = state.messages.slice(-MAX_MESSAGES);
    if (!local) return;
    try {
      local.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      /* storage full: keep going in memory */
    }
  }

  /* ---- Connection: socket.io v4 (Engine.IO 4, WebSocket transport), reconnecting. ----
   * Engine.IO frames: "0{...}" open, "2" ping -> "3" pong, "1" close, "4..." a socket.io packet.
   * Socket.IO packets: "0" connect, "2[event, data]" event, "2<id>[...]" event wanting an ack,
   * "3<id>[...]" ack, "4" connect refused. */

  class Connection {
    constructor(server, handlers) {
      this.url = server.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
      this.handlers = handlers;
      this.ws = null;
      this.ready = false;
      this.acks = new Map();
      this.nextAck = 0;
      this.attempt = 0;
      this.retryTimer = null;
      this.deadline = null;
    }

    open() {
      if (this.ws) return;
      clearTimeout(this.retryTimer);
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onmessage = (event) => this.frame(ws, String(event.data));
      ws.onclose = () => this.closed(ws);
      ws.onerror = () => ws.close();
    }

    retryNow() {
      if (!this.ws) this.open();
    }

    frame(ws, text) {
      const type = text[0];
      if (type === "0") {
        const open = JSON.parse(text.slice(1));
        this.heartbeat = open.pingInterval + open.pingTimeout + 1000;
        this.alive(ws);
        ws.send("40");
      } else if (type === "2") {
        this.alive(ws);
        ws.send("3");
      } else if (type === "1") {
        ws.close();
      } else if (type === "4") {
        this.packet(ws, text.slice(1));
      }
    }

    packet(ws, text) {
      const [, kind, ackId, body] = /^(\d)(\d*)([\s\S]*)$/.exec(text) || [];
      const args = body ? JSON.parse(body) : [];
      if (kind === "0") {
        this.ready = true;
        this.attempt = 0;
        this.handlers.connected();
      } else if (kind === "2" && Array.isArray(args)) {
        this.handlers.event(args[0], args[1]);
      } else if (kind === "3") {
        const callback = this.acks.get(ackId);
        this.acks.delete(ackId);
        if (callback) callback(Array.isArray(args) ? args[0] : undefined);
      } else if (kind === "4" || kind === "1") {
        ws.close();
      }
    }

    emit(event, payload, onAck) {
      if (!this.ready) return false;
      let ackId = "";
      if (onAck) {
        ackId = String(this.nextAck++);
        this.acks.set(ackId, onAck);
      }
      this.ws.send("42" + ackId + JSON.stringify([event, payload]));
      return true;
    }

    alive(ws) {
      clearTimeout(this.deadline);
      this.deadline = setTimeout(() => ws.close(), this.heartbeat);
    }

    closed(ws) {
      if (ws !== this.ws) return;
      clearTimeout(this.deadline);
      this.ws = null;
      this.ready = false;
      this.acks.clear();
      this.handlers.disconnected();
      // 0.5 s, 1 s, 2 s ... up to 10 s, with jitter so a restarted server isn't hit all at once.
      const delay = Math.min(10000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      this.retryTimer = setTimeout(() => this.open(), delay);
    }
  }

  /* ---- The conversation ---- */

  let online = false;
  const inFlight = new Map(); // message id -> time sent, until the server acknowledges it

  const connection = new Connection(settings.server, {
    connected() {
      connection.emit("session_request", { session_id: state.sessionId });
    },
    event(name, payload) {
      if (name === "session_confirm") {
        if (typeof payload === "string" && payload !== state.sessionId) {
          state.sessionId = payload; // the server refused ours (malformed) and made a new one
          saveState();
        }
        online = true;
        flush();
      } else if (name === "bot_uttered") {
        botSaid(payload);
      }
    },
    disconnected() {
      online = false;
      requeueInFlight();
      render();
    },
  });

  function findMessage(id) {
    return state.messages.find((message) => message.id === id);
  }

  // A message not yet acknowledged when the connection drops is sent again after reconnecting:
  // the server may then see it twice (if it got it just before the drop), but it is never lost.
  function requeueInFlight() {
    for (const id of inFlight.keys()) {
      const message = findMessage(id);
      if (message && message.state === "sent") message.state = "queued";
    }
    inFlight.clear();
    saveState();
  }

  function say(text, payload) {
    const message = { id: randomHex(8), from: "user", text, at: new Date().toISOString(), state: "queued", tab: tabId };
    if (payload && payload !== text) message.payload = payload;
    state.writer = tabId;
    state.messages.push(message);
    saveState();
    connection.retryNow();
    flush();
  }

  /** Sends this tab's queued messages, in order, once the session is confirmed. */
  function flush() {
    if (online) {
      for (const message of state.messages) {
        if (message.from !== "user" || message.state !== "queued" || message.tab !== tabId) continue;
        const id = message.id;
        message.state = "sent";
        inFlight.set(id, Date.now());
        connection.emit("user_uttered", { message: message.payload || message.text, session_id: state.sessionId }, (reply) =>
          acknowledged(id, reply)
        );
      }
      saveState();
    }
    render();
  }

  function acknowledged(id, reply) {
    inFlight.delete(id);
    const message = findMessage(id);
    if (message) {
      if (reply && typeof reply.error === "string") {
        message.state = "failed"; // kept, with the reason shown, never silently dropped
        message.error = reply.error;
      } else {
        delete message.state;
      }
      saveState();
    }
    render();
  }

  function botSaid(payload) {
    if (!payload || typeof payload !== "object") return;
    if (state.writer !== tabId) return; // the tab that sent the message records it; we re-render from storage
    const message = { id: randomHex(8), from: "bot", at: new Date().toISOString() };
    if (typeof payload.text === "string" && payload.text.trim()) message.text = payload.text;
    const replies = payload.quick_replies || payload.buttons;
    if (Array.isArray(replies)) {
      message.buttons = replies
        .filter((button) => button && typeof button.title === "string")
        .map((button) => ({ title: button.title, payload: typeof button.payload === "string" ? button.payload : button.title }));
    }
    const attachment = payload.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
      message.image = attachment.payload.src;
    }
    if (!message.text && !message.image && !(message.buttons && message.buttons.length)) return;
    state.messages.push(message);
    saveState();
    render();
  }

  setInterval(() => {
    // An acknowledgement that never comes means a dead connection the browser hasn't noticed.
    for (const sentAt of inFlight.values()) {
      if (Date.now() - sentAt > SEND_TIMEOUT_MS && connection.ws) connection.ws.close();
    }
  }, 5000);

  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY) return;
    state = loadState(); // another tab said or heard something
    render();
  });
  window.addEventListener("online", () => connection.retryNow());

  /* ---- The interface (in a shadow root, so the dealer's CSS and ours never meet). ---- */

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child);
    return node;
  }

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.append(path);
    return svg;
  }

  const host = el("div", { class: "mobility-concierge-chat" });
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", script.src).href });
  const root = el("div", { class: "mc-root mc-" + settings.position });
  root.style.display = "none"; // until the stylesheet is in, so nothing flashes unstyled
  if (settings.color) root.style.setProperty("--mc-accent", settings.color);
  stylesheet.addEventListener("load", () => (root.style.display = ""));
  stylesheet.addEventListener("error", () => (root.style.display = ""));

  const launcher = el(
    "button",
    { type: "button", class: "mc-launcher", "aria-expanded": "false", "aria-controls": "mc-panel" },
    chatIcon(),
    el("span", { class: "mc-sr" }, "Open chat: " + settings.title)
  );
  const closeButton = el("button", { type: "button", class: "mc-close", "aria-label": "Close chat" }, "\u00d7");
  const log = el("div", { class: "mc-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  const typing = el(
    "div",
    { class: "mc-typing", hidden: true },
    el("span", { class: "mc-sr" }, "The assistant is typing"),
    el("i", { "aria-hidden": "true" }),
    el("i", { "aria-hidden": "true" }),
    el("i", { "aria-hidden": "true" })
  );
  const replies = el("div", { class: "mc-replies", role: "group", "aria-label": "Suggested replies" });
  const status = el("p", { class: "mc-status", role: "status" });
  const input = el("textarea", {
    id: "mc-input",
    class: "mc-input",
    rows: "1",
    maxlength: String(MAX_CHARS),
    placeholder: "Type your message",
    autocomplete: "off",
  });
  const form = el(
    "form",
    { class: "mc-form" },
    el("label", { for: "mc-input", class: "mc-sr" }, "Message"),
    input,
    el("button", { type: "submit", class: "mc-send" }, "Send")
  );
  const panel = el(
    "section",
    { id: "mc-panel", class: "mc-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "mc-title", hidden: true },
    el("header", { class: "mc-header" }, el("h2", { id: "mc-title" }, settings.title), closeButton),
    settings.greeting ? el("p", { class: "mc-greeting" }, settings.greeting) : "",
    log,
    typing,
    replies,
    status,
    form
  );
  root.append(launcher, panel);
  shadow.append(stylesheet, root);

  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.classList.add("mc-open");
    connection.retryNow();
    render();
    log.scrollTop = log.scrollHeight;
    input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.classList.remove("mc-open");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? openPanel() : closePanel()));
  closeButton.addEventListener("click", closePanel);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      closePanel();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  /** Text with http(s) links made clickable; everything else stays plain text. */
  function richText(text) {
    const paragraph = el("p", { class: "mc-text" });
    const links = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)'])/g;
    let last = 0;
    for (let match; (match = links.exec(text)); ) {
      paragraph.append(text.slice(last, match.index));
      const href = match[2] || match[3];
      paragraph.append(el("a", { href, target: "_blank", rel: "noopener noreferrer" }, match[1] || href));
      last = links.lastIndex;
    }
    paragraph.append(text.slice(last));
    return paragraph;
  }

  function safeImageUrl(src) {
    try {
      const url = new URL(src, settings.server);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function messageNode(message) {
    const mine = message.from === "user";
    const node = el("div", { class: "mc-msg " + (mine ? "mc-user" : "mc-bot") });
    node.append(el("span", { class: "mc-sr" }, mine ? "You said: " : "Assistant said: "));
    if (message.text) node.append(richText(message.text));
    const image = message.image && safeImageUrl(message.image);
    if (image) node.append(el("img", { class: "mc-image", src: image, alt: "Image from the assistant", loading: "lazy" }));
    const at = new Date(message.at);
    const meta = el("span", { class: "mc-meta" });
    if (!Number.isNaN(at.getTime())) {
      meta.append(el("time", { datetime: at.toISOString() }, at.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })));
    }
    if (message.state === "queued") meta.append(" \u00b7 Not sent yet: waiting for the connection");
    if (message.state === "failed") meta.append(" \u00b7 Not sent: " + message.error);
    node.append(meta);
    return node;
  }

  const rendered = new Map(); // message id -> [node, what it showed]

  /** Updates the log in place, so screen readers announce only new messages. */
  function renderLog() {
    const wanted = new Set(state.messages.map((message) => message.id));
    for (const [id, [node]] of rendered) {
      if (!wanted.has(id)) {
        node.remove();
        rendered.delete(id);
      }
    }
    let previous = null;
    for (const message of state.messages) {
      const shown = (message.state || "") + (message.error || "");
      const existing = rendered.get(message.id);
      let node = existing && existing[0];
      if (!existing || existing[1] !== shown) {
        const fresh = messageNode(message);
        if (node) node.replaceWith(fresh);
        else if (previous) previous.after(fresh);
        else log.prepend(fresh);
        node = fresh;
        rendered.set(message.id, [node, shown]);
      }
      previous = node;
    }
  }

  function renderReplies() {
    replies.replaceChildren();
    const last = state.messages[state.messages.length - 1];
    if (!last || last.from !== "bot" || !last.buttons) return;
    for (const button of last.buttons) {
      const node = el("button", { type: "button", class: "mc-reply" }, button.title);
      node.addEventListener("click", () => {
        say(button.title, button.payload);
        input.focus();
      });
      replies.append(node);
    }
  }

  let statusText = "";
  function render() {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    renderLog();
    renderReplies();
    typing.hidden = inFlight.size === 0;
    const waiting = state.messages.some((message) => message.state === "queued");
    let text = "";
    if (waiting && !online) text = "Offline: your messages will be sent when the connection is back.";
    else if (!online) text = connection.attempt > 2 ? "Can't reach the chat right now; trying again\u2026" : "Connecting\u2026";
    if (text !== statusText) status.textContent = statusText = text;
    root.classList.toggle("mc-offline", !online);
    if (nearBottom) log.scrollTop = log.scrollHeight;
  }

  /* ---- Page views: each page's path and title, only where the dealer turned them on. ----
   * Never when the browser asks not to be tracked (Global Privacy Control, Do Not Track), never a
   * query string or fragment, and only with a session id that lasts (localStorage), so the views
   * land on the same profile as the chat. The host element's data-page-views says which applies:
   * "on", "off" (the dealer's setting, or no lasting storage) or "declined" (the browser asked). */

  const MAX_TITLE = 200; // characters; the server refuses longer
  const MAX_PATH = 500;
  let lastPath = null;

  function declinesTracking() {
    return navigator.globalPrivacyControl === true || navigator.doNotTrack === "1" || window.doNotTrack === "1";
  }

  function sendPageView() {
    const path = location.pathname;
    if (path === lastPath || path.length > MAX_PATH) return;
    lastPath = path;
    saveState(); // a new session id is kept from now on, for the chat to use the same one
    const title = Array.from(document.title.replace(/\s+/g, " ").trim()).slice(0, MAX_TITLE).join("");
    fetch(new URL("widget/page-views", script.src).href, {
      method: "POST",
      body: JSON.stringify({ session_id: state.sessionId, path, title }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      keepalive: true,
    }).catch(() => {}); // unrecorded is fine: the page and the chat work without it
  }

  function startPageViews() {
    if (declinesTracking() || !local) {
      host.dataset.pageViews = declinesTracking() ? "declined" : "off";
      return;
    }
    fetch(new URL("widget/settings", script.src).href, { credentials: "omit", referrerPolicy: "no-referrer" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        host.dataset.pageViews = answer && answer.page_views === true ? "on" : "off";
        if (host.dataset.pageViews !== "on") return;
        sendPageView();
        // Single-page sites change pages with pushState (links) and popstate (back, forward); the
        // title usually follows in the same task, so the view is sent just after.
        const pushState = history.pushState;
        history.pushState = function (...args) {
          const result = pushState.apply(this, args);
          setTimeout(sendPageView, 0);
          return result;
        };
        window.addEventListener("popstate", () => setTimeout(sendPageView, 0));
      })
      .catch(() => (host.dataset.pageViews = "off"));
  }

  function start() {
    document.body.append(host);
    render();
    startPageViews();
    if (state.messages.some((message) => message.state === "queued" && message.tab === tabId)) connection.open();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
