// Wegwijzer web chat. Talks to /chat/ws (frames: bot/channels/web_frames.py). Every text from the
// server is shown with textContent, never as HTML; numbers and links come as data (message.contacts),
// never parsed out of a text.
//
// Layout: the page itself never scrolls. Snel weg stays at the top, the text box and the toolbar at the
// bottom; only the conversation (#scroller) scrolls, and after every reply it shows the start of the new
// answer (then its buttons below it).
"use strict";

(() => {
  const root = document.getElementById("chat");
  if (!root) return;
  const byId = (id) => document.getElementById(id);
  const log = byId("log");
  const scroller = byId("scroller");
  const answers = byId("answers");
  const status = byId("status");
  const input = byId("message");
  const exitButton = byId("quick-exit");
  const backButton = byId("back");
  const restartItem = byId("restart-item");
  const moreButton = byId("more-button");
  const moreMenu = byId("more-menu");
  const humanKey = document.querySelector(".tool-human").dataset.key;
  const words = root.dataset;
  // Delivery (web_frames.py): every message the user sends waits here, in the order typed, until the server
  // answered it. One is on its way at a time; one the server cannot take now (too fast, database away) waits
  // and goes again, with the same id, so the server handles it once however often it arrives.
  const PROTOCOL = "wegwijzer.resume";
  const RETRY_FOREVER = new Set(["too_fast", "unavailable"]); // "not now"; a server_error is tried a few times
  const SERVER_ERROR_TRIES = 3;
  const pending = new Map(); // frame id → {frame, text, item, tries}: not answered yet
  let inFlight = null; // the id of the frame on its way
  let ready = false; // the socket is open and the server has sent what this page lacks
  let seq = 0; // the last transcript line this page has (a reconnect asks only for what comes after it)
  let chatTag = null; // which chat those lines are from
  let holdUntil = 0; // send nothing before this time (the server asked to wait)
  let pumpTimer = 0;
  let waitWords = ""; // the status line while the server asks to wait (cleared when a message goes through)
  // Kinds of message that are a screen of the tree: their actions are the toolbar's (Terug, Opnieuw
  // beginnen). Actions on any other message (a notice, crisis help) are offers: buttons under the chat.
  const SCREEN_KINDS = new Set(["question", "outcome", "card"]);
  // Kinds with something to read (and numbers to tap): focus goes to their start, not to a button below.
  const READING_KINDS = new Set(["outcome", "party", "card", "crisis"]);
  const SAFE_HREF = /^(tel:\+?\d+|mailto:[^\s]+|https:\/\/[^\s]+)$/;
  let socket = null;
  let retries = 0;
  let trading = null; // a ticket being traded for the cookie (takeTicket): a reconnect waits for it
  let leaving = false;
  let focusNext = false; // after a button: move focus to the new question
  let typingTimer = 0;
  const TYPING_EVERY = 4000; // ms between two "typing" frames of this page (the user types)
  let typingSent = 0; // when the last one went; 0 after a message, so the next key counts at once
  let atBottom = true; // the conversation is scrolled to its end (kept there when the screen resizes)

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

  // ---- The socket: reconnects by itself and says first what it has (resume), so it gets only what it missed;
  // unanswered frames are sent again with their own id, one at a time.
  // Close codes (web_frames.py): 4409 too many tabs of this chat (this oldest one stays closed); 4401 the
  // session got a new token or ended (reopen in a moment, with what the cookie opens now); 4429 too many
  // open chats from this network (the server said so; try again in a minute); 1013 the server asks to wait.
  function socketUrl() {
    const url = new URL(root.dataset.ws, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  function connect() {
    if (leaving) return;
    const ws = new WebSocket(socketUrl(), [PROTOCOL]);
    socket = ws;
    ready = false;
    setStatus(words.connecting);
    ws.addEventListener("open", () => {
      retries = 0;
      setStatus("");
      ws.send(JSON.stringify({ type: "resume", seq, chat: chatTag }));
    });
    ws.addEventListener("message", (event) => {
      if (ws !== socket) return;
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
      ready = false;
      inFlight = null; // its answer may be lost: it goes again after the reconnect, with the same id
      pending.forEach(waiting);
      setStatus(words.offline);
      if (event.code === 4409) return;
      const again = () => {
        if (ws !== socket) return;
        if (trading) trading.then(again); // with the old cookie it would open a new, empty chat
        else connect();
      };
      if (event.code === 4401) {
        window.setTimeout(again, 1500); // the tab that got the new token trades its ticket first
        return;
      }
      if (event.code === 4429) {
        window.setTimeout(again, 60000);
        return;
      }
      retries = Math.min(retries + 1, 5);
      window.setTimeout(again, 400 * 2 ** retries);
    });
  }

  // ---- The session: only the server makes tokens. Before this page's first answer, before what a reopened
  // socket missed and before the hand-off, it sends a one-time ticket that this page trades for the cookie
  // (web_session.py). From the offer on the old cookie opens nothing, so a reconnect waits for the trade.
  function takeTicket(ticket) {
    const trade = tradeTicket(ticket).finally(() => {
      if (trading === trade) trading = null;
    });
    trading = trade;
  }

  async function tradeTicket(ticket) {
    // The ticket is good for ten minutes: keep trying for about a minute (at once, then after 1, 2, 4 and
    // every 8 s), so a server restarting a few times in a row does not cost the chat.
    for (let attempt = 0; attempt < 10 && !leaving; attempt += 1) {
      if (attempt) await new Promise((done) => window.setTimeout(done, 1000 * Math.min(2 ** (attempt - 1), 8)));
      let response = null;
      try {
        response = await fetch(root.dataset.rotate, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ ticket }),
        });
      } catch (error) {
        response = null;
      }
      if (response && response.status < 500) return; // done, or a ticket that can never work
    }
  }

  // Send the oldest waiting frame, when nothing else is on its way and the server does not ask to wait.
  function pump() {
    window.clearTimeout(pumpTimer);
    if (!ready || inFlight || !socket || socket.readyState !== WebSocket.OPEN) return;
    const next = pending.values().next().value;
    if (!next) return;
    const wait = holdUntil - Date.now();
    if (wait > 0) {
      pumpTimer = window.setTimeout(pump, wait);
      return;
    }
    inFlight = next.frame.id;
    socket.send(JSON.stringify(next.frame));
  }

  function settle(entry) {
    pending.delete(entry.frame.id);
    if (inFlight === entry.frame.id) inFlight = null;
    entry.item.classList.remove("waiting");
    const note = entry.item.querySelector(".note");
    if (note) note.remove();
  }

  // Not sent yet: say so on the message, calmly; it goes by itself.
  function waiting(entry) {
    if (entry.item.classList.contains("waiting")) return;
    entry.item.classList.add("waiting");
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = words.notSent;
    entry.item.append(note);
  }

  // A retryable error for the frame on its way: wait (as long as the server says, or longer each time).
  function later(entry, data) {
    inFlight = null;
    entry.tries += 1;
    const asked = Math.max(0, Number(data.retry_after) || 0) * 1000;
    const backoff = data.code === "too_fast" ? 0 : Math.min(8000, 500 * 2 ** entry.tries);
    holdUntil = Date.now() + Math.max(asked + 50, backoff);
    waiting(entry);
    if (data.code === "unavailable" && data.message) {
      waitWords = data.message;
      setStatus(waitWords);
    }
    pump();
  }

  function newId() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function send(frame, text) {
    const item = addMessage({ sender: "user", text, kind: "text" });
    const entry = { frame: { ...frame, id: newId() }, text, item, tries: 0 };
    pending.set(entry.frame.id, entry);
    if (!ready) waiting(entry);
    scrollToEnd();
    pump();
  }

  // ---- Frames from the server.
  function receive(data) {
    if (data.type === "history") {
      if (followLanguage(data)) return;
      const resumed = data.after > 0; // only what this page missed; otherwise the whole chat
      if (!resumed) log.replaceChildren();
      if (!resumed && farewell.length) farewell.splice(0).forEach((message) => addMessage(message));
      const items = data.messages.map((message) => addMessage(message));
      if (!resumed || items.length) showScreen(data.messages);
      seq = Number(data.seq) || 0;
      chatTag = typeof data.chat === "string" ? data.chat : null;
      const users = items.filter((item) => item.classList.contains("from-user"));
      const last = users[users.length - 1];
      const current = resumed ? items[0] : last ? last.nextElementSibling : null; // where what is new starts
      pending.forEach((entry) => log.append(entry.item)); // what is not sent yet comes last, still waiting
      if (current) reveal(current);
      else if (!resumed) scroller.scrollTop = 0; // a first visit: the intro and the welcome from the top
      settleFocus(null, []);
      ready = true;
      inFlight = null;
      pump();
    } else if (data.type === "messages") {
      if (followLanguage(data)) return;
      if (typeof data.seq === "number") seq = data.seq;
      const entry = data.reply_to ? pending.get(data.reply_to) : undefined;
      if (entry) {
        if (waitWords && status.textContent === waitWords) setStatus("");
        settle(entry);
        // Handled before (its answer got lost): its line came with what the page missed, so this copy goes.
        if (data.duplicate) entry.item.remove();
      }
      pump();
      if (data.duplicate && !data.messages.length) return;
      const first = data.messages.map((message) => addMessage(message))[0] || null;
      const newScreen = data.messages.some((message) => message.options.length || message.actions.length);
      // An answer replaces the buttons; a line taken for a person (no answer) leaves them as they are.
      if (newScreen || (data.reply_to && data.messages.length)) showScreen(data.messages);
      if (first) reveal(first); // read a new answer from its start; its buttons follow below it
      clearTyping();
      settleFocus(first, data.messages);
    } else if (data.type === "forgotten") {
      startAfresh(data.messages);
    } else if (data.type === "rotate") {
      if (typeof data.ticket === "string") takeTicket(data.ticket);
    } else if (data.type === "typing") {
      setStatus(words.typing);
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(clearTyping, 6000);
    } else if (data.type === "error") {
      const entry = data.reply_to ? pending.get(data.reply_to) : undefined;
      const again =
        RETRY_FOREVER.has(data.code) || (data.code === "server_error" && entry && entry.tries < SERVER_ERROR_TRIES);
      if (entry && data.retry && again) {
        later(entry, data); // kept, and sent again: never dropped for "not now"
        return;
      }
      if (!entry && data.retry) {
        if (data.message) setStatus(data.message); // the socket closes next and comes back by itself
        return;
      }
      if (entry) settle(entry);
      reveal(addMessage({ sender: "system", text: data.message || words.failed, kind: "notice" }));
      pump();
    }
  }

  // A frame in another language: the page's own texts come with it (ui), so the page switches in place.
  function followLanguage(data) {
    const html = document.documentElement;
    if (!data.lang || data.lang === html.lang) return false;
    if (!data.ui) {
      window.location.reload(); // an older server: the page's texts come in the new language from it
      return true;
    }
    const ui = data.ui;
    html.lang = data.lang;
    html.dir = data.dir || "ltr";
    document.title = ui.title;
    document.querySelectorAll("[data-t]").forEach((node) => {
      if (ui[node.dataset.t] !== undefined) node.textContent = ui[node.dataset.t];
    });
    document.querySelectorAll("[data-t-placeholder]").forEach((node) => {
      node.placeholder = ui[node.dataset.tPlaceholder] || node.placeholder;
    });
    document.querySelectorAll("[data-t-aria-label]").forEach((node) => {
      node.setAttribute("aria-label", ui[node.dataset.tAriaLabel] || node.getAttribute("aria-label"));
    });
    document.querySelectorAll("[data-t-label]").forEach((node) => {
      node.dataset.label = ui[node.dataset.tLabel] || node.dataset.label;
    });
    for (const [key, value] of Object.entries({
      you: ui.you, staff: ui.staff, connecting: ui.connecting, offline: ui.offline,
      typing: ui.typing, failed: ui.failed, newWindow: ui.new_window, notSent: ui.not_sent,
    })) root.dataset[key] = value;
    return false; // go on and show the frame's messages
  }

  // ---- Showing messages: a party's name in bold, the text, then its numbers and links as buttons.
  function addMessage(message) {
    const item = document.createElement("li");
    const contacts = message.contacts || [];
    item.className = `message from-${message.sender} kind-${message.kind}`;
    if (contacts.some((contact) => contact.urgent)) item.classList.add("urgent");
    item.dataset.kind = message.kind;
    item.tabIndex = -1;
    const who = document.createElement("span");
    if (message.sender === "agent" || message.author) {
      who.className = "who"; // a person of the chat-ondersteuning: always say so, with their name if known
      who.textContent = message.author ? `${message.author} · ${words.staff}` : words.staff;
    } else {
      who.className = "visually-hidden";
      who.textContent = `${message.sender === "user" ? words.you : words.bot}: `;
    }
    item.append(who);
    if (message.title) {
      const title = document.createElement("p");
      title.className = "title";
      title.dir = "auto";
      title.textContent = message.title;
      item.append(title);
    }
    if (message.text) {
      const body = document.createElement("p");
      body.className = "text";
      body.dir = "auto"; // typed text keeps its own direction on a page in another script
      body.textContent = message.text;
      item.append(body);
    }
    const links = contacts.map(contactLink).filter(Boolean);
    if (links.length) {
      const list = document.createElement("ul");
      list.className = "contacts";
      links.forEach((link) => {
        const entry = document.createElement("li");
        entry.append(link);
        list.append(entry);
      });
      item.append(list);
    }
    log.append(item);
    return item;
  }

  // One way to reach a party: a link whose href the server made (tel: with every digit, https, mailto:).
  function contactLink(contact) {
    if (typeof contact.href !== "string" || !SAFE_HREF.test(contact.href)) return null;
    const link = document.createElement("a");
    link.className = `contact contact-${contact.kind}${contact.urgent ? " urgent" : ""}`;
    link.href = contact.href;
    if (contact.verb && contact.shown) {
      // "Bel" in the page's language, the number or address always left to right (also in Arabic)
      const value = document.createElement("bdi");
      value.dir = "ltr";
      value.textContent = contact.shown;
      link.append(document.createTextNode(`${contact.verb} `), value);
    } else {
      link.textContent = contact.label;
    }
    link.dir = "auto";
    if (contact.href.startsWith("https://")) {
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      const note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = ` ${words.newWindow}`;
      link.append(note);
    }
    return link;
  }

  // ---- The current screen: its answer buttons, the offers it makes, and which global actions fit it.
  function showScreen(messages) {
    const withOptions = messages.filter((message) => message.options.length);
    const options = withOptions.length ? withOptions[withOptions.length - 1].options : [];
    const screens = messages.filter((message) => message.options.length || message.actions.length);
    const screen = screens.length ? screens[screens.length - 1] : null;
    const toolbarActions = screen && SCREEN_KINDS.has(screen.kind) ? screen.actions : [];
    const offers = [];
    messages
      .filter((message) => !SCREEN_KINDS.has(message.kind))
      .forEach((message) => message.actions.forEach((offer) => offers.push(offer)));
    // Crisis help (also an acute-danger outcome of the tree) offers a person now, above everything else.
    const person = toolbarActions.find((item) => item.key === humanKey);
    const crisis = messages.some((message) => message.kind === "crisis");
    if (crisis && person && !offers.some((offer) => offer.key === humanKey)) offers.unshift(person);
    const buttons = offers.map((offer) => answerButton(offer, "option offer"));
    options.forEach((option) => buttons.push(answerButton(option, "option")));
    answers.replaceChildren(...buttons);
    answers.hidden = buttons.length === 0;
    const keys = new Set(toolbarActions.map((item) => item.key));
    backButton.hidden = !keys.has(backButton.dataset.key);
    // Starting again means something once there is a way back, or where the screen offers it.
    restartItem.hidden = !(keys.has(backButton.dataset.key) || keys.has(restartItem.firstElementChild.dataset.key));
  }

  function answerButton(choice, className) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = choice.label;
    button.addEventListener("click", () => choose(choice.key, choice.label));
    return button;
  }

  // ---- Scrolling: only the conversation scrolls, never the page.
  function reveal(element) {
    const offset = element.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    scroller.scrollTop += offset - 8; // the browser stops at the end when the rest fits
    atBottom = isAtBottom();
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
    atBottom = true;
  }

  function isAtBottom() {
    return scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
  }

  scroller.addEventListener("scroll", () => {
    atBottom = isAtBottom();
  });
  if (window.ResizeObserver) {
    // e.g. the phone's keyboard opens: keep the end of the conversation in view
    new window.ResizeObserver(() => {
      if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    }).observe(scroller);
  }

  // After a tapped button, focus moves to the answer: its first button for a question, its start when
  // there is something to read first (an outcome, crisis help). preventScroll: the chat scrolls itself.
  function settleFocus(firstNew, messages) {
    if (!focusNext) return;
    focusNext = false;
    const option = answers.querySelector("button");
    const reading = messages.some((message) => READING_KINDS.has(message.kind));
    if (firstNew && (reading || !option)) firstNew.focus({ preventScroll: true });
    else if (option) option.focus({ preventScroll: true });
    else input.focus({ preventScroll: true });
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

  // ---- The "Meer" menu: a disclosure button; it closes after a choice, a tap elsewhere or leaving it.
  function setMenu(open) {
    moreButton.setAttribute("aria-expanded", String(open));
    moreMenu.hidden = !open;
  }

  moreButton.addEventListener("click", () => setMenu(moreMenu.hidden));
  document.addEventListener("click", (event) => {
    if (!moreMenu.hidden && !byId("more").contains(event.target)) setMenu(false);
  });
  byId("more").addEventListener("focusout", (event) => {
    if (event.relatedTarget && !byId("more").contains(event.relatedTarget)) setMenu(false);
  });

  // ---- The controls.
  byId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    typingSent = 0; // what they type next is news again
    send({ type: "text", text }, text);
  });

  // The user types: tell the server now and then (a "typing" frame: no id, no answer, never a message), so a
  // person of the chat-ondersteuning sees "typt…". At most one every TYPING_EVERY ms; nothing while offline.
  input.addEventListener("input", () => {
    if (!ready || !input.value.trim() || !socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - typingSent < TYPING_EVERY) return;
    typingSent = Date.now();
    socket.send(JSON.stringify({ type: "typing" }));
  });

  document.querySelectorAll(".toolbar [data-key]").forEach((button) => {
    button.addEventListener("click", () => {
      setMenu(false);
      choose(button.dataset.key, button.dataset.label);
    });
  });

  // "Wis mijn gesprek", confirmed: the server deleted the chat and ended its session. The page forgets the
  // cookie too, clears the chat and starts a new one; the last word (messages) stays on top of it.
  const farewell = [];
  async function startAfresh(messages) {
    const old = socket;
    socket = null;
    if (old) old.close();
    try {
      await fetch(root.dataset.new, { method: "POST", credentials: "same-origin" });
    } catch (error) {
      // the session is gone on the server already; the cookie opens nothing
    }
    farewell.splice(0, farewell.length, ...messages);
    reset();
  }

  function reset() {
    pending.clear();
    inFlight = null;
    seq = 0;
    chatTag = null;
    log.replaceChildren();
    answers.replaceChildren();
    answers.hidden = true;
    focusNext = true;
    connect();
  }

  byId("new-chat").addEventListener("click", async () => {
    setMenu(false);
    const old = socket;
    socket = null; // the server ends the session and closes its sockets: this one is not reopened for it
    if (old) old.close();
    let response = null;
    try {
      response = await fetch(root.dataset.new, { method: "POST", credentials: "same-origin" });
    } catch (error) {
      response = null;
    }
    if (!response || !response.ok) {
      connect(); // the old conversation is still there
      reveal(addMessage({ sender: "system", text: words.failed, kind: "notice" }));
      return;
    }
    reset();
  });

  connect();
})();
