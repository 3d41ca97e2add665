// Wegwijzer web chat. Talks to /chat/ws (frames: bot/channels/web_frames.py). Every text from the
// server is shown with textContent, never as HTML.
"use strict";

(() => {
  const root = document.getElementById("chat");
  if (!root) return;
  const byId = (id) => document.getElementById(id);
  const log = byId("log");
  const answers = byId("answers");
  const status = byId("status");
  const input = byId("message");
  const exitButton = byId("quick-exit");
  const words = root.dataset;
  const pending = new Map(); // frame id → {frame, bubble, shown}: sent, not yet answered
  let socket = null;
  let retries = 0;
  let leaving = false;
  let focusNext = false; // after a button: move focus to the new question
  let typingTimer = 0;

  // ---- Snel weg: leave no chat on the screen, in this browser's session or in its history.
  function quickExit() {
    if (leaving) return;
    leaving = true;
    const url = exitButton.dataset.url;
    document.title = "";
    document.body.replaceChildren();
    if (socket) socket.close();
    fetch(root.dataset.leave, { method: "POST", keepalive: true, credentials: "same-origin" }).catch(() => {});
    if (window.top !== window) {
      window.parent.postMessage({ type: "wegwijzer:quick-exit", url }, "*");
      try {
        window.top.location.replace(url);
        return;
      } catch (error) {
        // A partner page without our embed.js: at least this frame leaves.
      }
    }
    window.location.replace(url);
  }
  exitButton.addEventListener("click", quickExit);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      quickExit();
    }
  });

  // ---- The socket: reconnects by itself; unanswered frames are sent again with their own id.
  function socketUrl() {
    const url = new URL(root.dataset.ws, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  function connect() {
    if (leaving) return;
    const ws = new WebSocket(socketUrl());
    socket = ws;
    setStatus(words.connecting);
    ws.addEventListener("open", () => {
      retries = 0;
      setStatus("");
    });
    ws.addEventListener("message", (event) => {
      let data = null;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      receive(data);
    });
    ws.addEventListener("close", (event) => {
      if (leaving || ws !== socket) return;
      setStatus(words.offline);
      if (event.code === 4409) return; // too many open tabs of this chat: this (oldest) one stays closed
      retries = Math.min(retries + 1, 5);
      window.setTimeout(connect, 400 * 2 ** retries);
    });
  }

  function transmit(entry) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(entry.frame));
  }

  function newId() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function send(frame, bubble) {
    const entry = { frame: { ...frame, id: newId() }, bubble, shown: true };
    pending.set(entry.frame.id, entry);
    addMessage({ sender: "user", text: bubble, kind: "text" });
    transmit(entry);
  }

  // ---- Frames from the server.
  function receive(data) {
    if (data.type === "history") {
      if (followLanguage(data)) return;
      log.replaceChildren();
      data.messages.forEach((message) => addMessage(message));
      showAnswers(data.messages);
      pending.forEach((entry) => {
        entry.shown = false;
        transmit(entry);
      });
      settleFocus(null);
    } else if (data.type === "messages") {
      if (followLanguage(data)) return;
      const entry = data.reply_to ? pending.get(data.reply_to) : undefined;
      if (entry) {
        pending.delete(data.reply_to);
        if (data.duplicate) return;
        if (!entry.shown) addMessage({ sender: "user", text: entry.bubble, kind: "text" });
      }
      const first = data.messages.map((message) => addMessage(message))[0] || null;
      if (data.messages.some((message) => message.options.length) || data.reply_to) showAnswers(data.messages);
      if (first) first.scrollIntoView({ block: "start" }); // read a new answer from its start
      clearTyping();
      settleFocus(first);
    } else if (data.type === "typing") {
      setStatus(words.typing);
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(clearTyping, 6000);
    } else if (data.type === "error") {
      if (data.reply_to) pending.delete(data.reply_to);
      addMessage({ sender: "system", text: data.message || words.failed, kind: "notice" });
    }
  }

  function followLanguage(data) {
    const html = document.documentElement;
    if (!data.lang || data.lang === html.lang) return false;
    window.location.reload(); // the page's own texts come in the new language from the server
    return true;
  }

  // ---- Showing messages and buttons.
  function addMessage(message) {
    const item = document.createElement("li");
    item.className = `message from-${message.sender} kind-${message.kind}`;
    item.tabIndex = -1;
    const who = document.createElement("span");
    if (message.sender === "agent" || message.author) {
      who.className = "who"; // a person of the chat-ondersteuning: always say so, with their name if known
      who.textContent = message.author ? `${message.author} · ${words.staff}` : words.staff;
    } else {
      who.className = "visually-hidden";
      who.textContent = `${message.sender === "user" ? words.you : words.bot}: `;
    }
    const body = document.createElement("p");
    body.className = "text";
    body.dir = "auto"; // typed text keeps its own direction on a page in another script
    if (message.sender === "user") body.textContent = message.text;
    else appendWithLinks(body, message.text);
    item.append(who, body);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  // Web addresses and Dutch phone numbers in the bot's texts become links (tap to call on a phone).
  const LINKABLE = /(https:\/\/[^\s]+[^\s.,;:!?)]|\b(?:0\d{2,3}[- ]?\d{3}[- ]?\d{2,4}|0[89]00-?\d{4}|11[23])\b)/;

  function appendWithLinks(parent, text) {
    text.split(LINKABLE).forEach((part, index) => {
      if (index % 2 === 0) {
        if (part) parent.append(document.createTextNode(part));
        return;
      }
      const link = document.createElement("a");
      link.textContent = part;
      if (part.startsWith("https://")) {
        link.href = part;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
      } else {
        link.href = `tel:${part.replace(/\D/g, "")}`;
      }
      parent.append(link);
    });
  }

  function showAnswers(messages) {
    const withOptions = messages.filter((message) => message.options.length);
    const options = withOptions.length ? withOptions[withOptions.length - 1].options : [];
    answers.replaceChildren(
      ...options.map((option) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "option";
        button.textContent = option.label;
        button.addEventListener("click", () => choose(option.key, option.label));
        return button;
      }),
    );
    answers.hidden = options.length === 0;
    if (options.length) answers.scrollIntoView({ block: "end" });
  }

  function settleFocus(firstNew) {
    if (!focusNext) return;
    focusNext = false;
    const option = answers.querySelector("button");
    if (option) option.focus();
    else if (firstNew) firstNew.focus();
    else input.focus();
  }

  function choose(key, label) {
    answers.replaceChildren();
    answers.hidden = true;
    focusNext = true;
    send({ type: "choice", key }, label);
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function clearTyping() {
    window.clearTimeout(typingTimer);
    if (status.textContent === words.typing) setStatus("");
  }

  // ---- The controls.
  byId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ type: "text", text }, text);
  });

  document.querySelectorAll(".tool[data-key]").forEach((button) => {
    button.addEventListener("click", () => choose(button.dataset.key, button.textContent.trim()));
  });

  byId("new-chat").addEventListener("click", async () => {
    let response = null;
    try {
      response = await fetch(root.dataset.new, { method: "POST", credentials: "same-origin" });
    } catch (error) {
      response = null;
    }
    if (!response || !response.ok) {
      addMessage({ sender: "system", text: words.failed, kind: "notice" });
      return;
    }
    pending.clear();
    log.replaceChildren();
    answers.replaceChildren();
    answers.hidden = true;
    const old = socket;
    socket = null;
    if (old) old.close();
    focusNext = true;
    connect();
  });

  connect();
})();
