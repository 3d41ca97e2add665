// Wegwijzer console: live queue and conversation over one WebSocket; actions as CSRF-checked POSTs.
// Everything a user wrote is put in the page with textContent, never as HTML.
//
// Several chats at once (bot/console/my_chats.py, _my_chats.html). Each chat is a page of its own (links, so the
// browser's back button, reload and a second tab all work); what must outlive a page lives in sessionStorage
// (this tab only, gone when it closes): per chat the draft of the reply and how many of the user's lines the
// agent has seen (the server renders how many there are: unread = lines - seen), the chats the user left while
// they were the agent's (kept in the list, "weggegaan", until opened), and which queue entries were already
// there (so an arrival during a page switch is still announced). The socket sends the open chat's events, a
// notice without text of the agent's other chats (bot/helpdesk/live.py), and the queue.
// Announcements: the count in the title ("(3) Gesprek 12 · Wegwijzer": waiting + call-backs waiting + unread), a
// line in the list (a polite live region), and, only when the agent turns them on (localStorage, this browser): a
// short beep made with WebAudio and a browser notification (the permission is asked when it is turned on, never on
// its own). Notifications and the list name a chat and a language, never a word of the user.
// Call-back requests ("bel me terug", bot/helpdesk/callback_events.py): the socket says how many wait (a count and
// an id, never a number); the count stands beside "Terugbellen", a new request is announced as a new queue entry
// is, and the call-back list reads itself again (never the page with a number: that showing is audited).
// Keyboard (the "?" dialog, _shortcuts.html): Alt+N next waiting chat, Alt+C claim, Alt+1..9 canned reply,
// Alt+E end, Alt+Down/Up my next/previous chat; Alt works while typing, "?" only outside a text field.
"use strict";

(() => {
  const body = document.body;
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const me = Number(document.querySelector('meta[name="agent-id"]').content);
  const conversation = body.dataset.conversation ? Number(body.dataset.conversation) : null;
  let handoff = body.dataset.handoff ? Number(body.dataset.handoff) : null;
  const baseTitle = document.title;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function toast(text, bad) {
    const box = document.getElementById("toast");
    box.textContent = text;
    box.className = bad ? "bad" : "";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(data || {}),
    });
    let answer = {};
    try { answer = await response.json(); } catch (e) { answer = {}; }
    if (response.status === 401) { window.location.href = "/console/login"; }
    if (!response.ok || answer.ok === false) {
      toast(answer.error || "Dat lukte niet (" + response.status + ").", true);
      return null;
    }
    return answer;
  }

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    return m < 1 ? "< 1 min" : m + " min";
  }

  const channels = { web: "Web-chat", telegram: "Telegram" };
  const amsterdam = { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" };

  // --- what this tab remembers (sessionStorage) and this browser's settings (localStorage) ------------------
  const KEY = "wegwijzer.";

  function storage(kind) {
    try { return window[kind]; } catch (e) { return null; } // storage switched off: the page works without it
  }
  const tab = storage("sessionStorage");
  const browser = storage("localStorage");

  function recall(store, name, fallback) {
    if (!store) return fallback;
    try {
      const raw = store.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }

  function keep(store, name, value) {
    if (!store) return;
    try {
      if (value === null || value === undefined || value === "") store.removeItem(KEY + name);
      else store.setItem(KEY + name, JSON.stringify(value));
    } catch (e) { /* full, or switched off: it stays in this page only */ }
  }

  // Logging out (or the session ending) leaves no drafts or counts behind in this tab.
  function forgetTab() {
    if (!tab) return;
    try {
      for (const name of Object.keys(tab)) if (name.startsWith(KEY)) tab.removeItem(name);
    } catch (e) { /* nothing to forget */ }
  }
  const logout = document.querySelector('form[action="/console/logout"]');
  if (logout) logout.addEventListener("submit", forgetTab);

  function draftOf(id) { return recall(tab, "draft." + id, ""); }

  // --- my chats: the list beside the open one ---------------------------------------------------------------
  const chatList = document.getElementById("my-chats");
  const waitingList = document.getElementById("waiting-list");
  const chats = new Map(); // conversation → {conversation, handoff, locale, language, channel, crisis, went, how, typing, back}
  const linesOf = new Map(); // conversation → how many lines the user wrote (the server's count, then live)
  const seen = recall(tab, "seen", {}); // conversation → how many of those the agent has seen
  const gone = recall(tab, "gone", {}); // conversation → the chat as it was when its user left (until opened)
  let known = recall(tab, "known", null); // hand-off ids that waited when this tab last heard the queue
  let waitingCount = null;
  const callbackCount = document.getElementById("callbacks-waiting"); // beside "Terugbellen" (base.html)
  let callbacksWaiting = callbackCount && !callbackCount.hidden
    ? Number(callbackCount.querySelector(".number").textContent) || 0 : 0;
  const fresh = new Set(); // hand-off ids that arrived while this page was open ("nieuw")
  const WENT = {
    user_left: "De gebruiker is weggegaan.",
    user_deleted: "De gebruiker is weggegaan en heeft het gesprek gewist.",
  };
  const HOW = {
    quick_exit: "De gebruiker is weggegaan met Snel weg. Misschien keek er iemand mee.",
    stop: "De gebruiker is weggegaan: die typte stop.",
    left_queue: "De gebruiker is weggegaan: die wacht niet meer.",
    new_chat: "De gebruiker is weggegaan: die begon een nieuw gesprek.",
    expired: "De gebruiker is weggegaan: de sessie is verlopen (lang niets gedaan).",
  };
  const HOW_SHORT = {
    quick_exit: "weggegaan (Snel weg)",
    stop: "weggegaan (stop)",
    left_queue: "weggegaan (wacht niet meer)",
    new_chat: "weggegaan (nieuw gesprek)",
    expired: "weggegaan (sessie verlopen)",
  };

  function wentText(reason, how) {
    if (reason === "user_left" && HOW[how]) return HOW[how];
    return WENT[reason] || WENT.user_left;
  }

  function wentShort(chat) {
    if (chat.went === "user_deleted") return "weggegaan, gesprek gewist";
    return HOW_SHORT[chat.how] || "weggegaan";
  }

  const TYPING_SHOWN = 6000; // "typt…" for this long after the last sign
  const GONE_FOR = 3600000; // a chat whose user left stays in the list this long, or until it is opened

  function visible() { return document.visibilityState === "visible"; }

  function unread(id) {
    if (id === conversation && visible()) return 0;
    return Math.max(0, (linesOf.get(id) || 0) - (seen[id] || 0));
  }

  function totalUnread() {
    let total = 0;
    for (const id of chats.keys()) total += unread(id);
    if (conversation !== null && !chats.has(conversation)) total += unread(conversation);
    return total;
  }

  function updateTitle() {
    const count = (waitingCount || 0) + callbacksWaiting + totalUnread();
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  }

  // The open chat, looked at: everything the user wrote in it is seen.
  function markSeen() {
    if (conversation === null || !visible()) return;
    seen[conversation] = linesOf.get(conversation) || 0;
    keep(tab, "seen", seen);
  }

  function chatFromItem(item) {
    return {
      conversation: item.conversation, handoff: item.handoff, locale: item.locale, language: item.language,
      channel: item.channel, crisis: Boolean(item.crisis), went: null, how: null, typing: 0, back: false,
    };
  }

  if (chatList) {
    for (const li of chatList.querySelectorAll("li[data-conversation]")) {
      const id = Number(li.dataset.conversation);
      chats.set(id, chatFromItem({
        conversation: id, handoff: Number(li.dataset.handoff), locale: li.dataset.locale,
        language: li.dataset.language, channel: li.dataset.channel, crisis: li.dataset.crisis,
      }));
      linesOf.set(id, Number(li.dataset.userLines) || 0);
    }
    for (const [key, chat] of Object.entries(gone)) {
      const id = Number(key);
      if (Date.now() - (chat.at || 0) > GONE_FOR) delete gone[key]; // not opened for an hour: the agent knows
      else if (!chats.has(id)) chats.set(id, { ...chat, conversation: id, typing: 0, back: false });
    }
    keep(tab, "gone", gone);
  }
  if (conversation !== null) {
    linesOf.set(conversation, Number(body.dataset.userLines) || 0);
    markSeen();
    if (gone[conversation]) { // opened: the agent knows; it leaves the list with the next page
      delete gone[conversation];
      keep(tab, "gone", gone);
    }
  }

  function chatLink(id, current) {
    const link = el("a");
    link.href = "/console/c/" + id;
    if (current) link.setAttribute("aria-current", "page");
    return link;
  }

  function languageOf(item) {
    const name = el("span", null, item.language || item.locale || "");
    if (item.locale) name.lang = item.locale;
    return name;
  }

  function renderChats() {
    if (!chatList) return;
    const rows = [];
    let live = 0;
    for (const chat of chats.values()) {
      const id = chat.conversation;
      const current = id === conversation;
      const li = el("li");
      li.dataset.conversation = String(id);
      li.classList.toggle("current", current);
      li.classList.toggle("crisis", chat.crisis);
      li.classList.toggle("gone", Boolean(chat.went));
      if (!chat.went) live += 1;
      const link = chatLink(id, current);
      link.append(el("span", "chat-name", "Gesprek " + id));
      if (chat.crisis) link.append(" ", el("span", "badge crisis", "Crisis"));
      const count = unread(id);
      if (count) link.append(" ", el("span", "unread", count + " nieuw"));
      const meta = el("span", "chat-meta");
      meta.append(languageOf(chat), " · " + (channels[chat.channel] || chat.channel));
      link.append(meta);
      let state = "";
      if (chat.went) state = wentShort(chat);
      else if (chat.typing > Date.now()) state = "typt…";
      else if (chat.back) state = "terug, bij de Wegwijzer";
      if (draftOf(id) && !current) state += (state ? " · " : "") + "concept bewaard";
      if (state) link.append(el("span", "chat-state", state));
      li.append(link);
      rows.push(li);
    }
    chatList.replaceChildren(...rows);
    const count = document.getElementById("my-count");
    if (count) count.textContent = "(" + live + ")";
    const empty = document.getElementById("my-chats-empty");
    if (empty) empty.hidden = rows.length > 0;
  }

  function renderWaiting(waiting) {
    if (!waitingList) return;
    const rows = waiting.slice(0, 8).map((item) => {
      const li = el("li");
      li.dataset.conversation = String(item.conversation);
      li.classList.toggle("current", item.conversation === conversation);
      const link = chatLink(item.conversation, item.conversation === conversation);
      if (item.crisis) link.append(el("span", "badge crisis", "Crisis"), " ");
      if (fresh.has(item.handoff)) link.append(el("span", "badge arrived", "Nieuw"), " ");
      const meta = el("span", "chat-meta");
      meta.append(languageOf(item));
      if (item.your_language) meta.append(" (jouw taal)");
      meta.append(" · " + (channels[item.channel] || item.channel) + " · wacht " + minutes(item.waiting_seconds));
      link.append(meta);
      li.append(link);
      return li;
    });
    waitingList.replaceChildren(...rows);
    const count = document.getElementById("waiting-count");
    if (count) count.textContent = "(" + waiting.length + ")";
    const empty = document.getElementById("waiting-empty");
    if (empty) empty.hidden = waiting.length > 0;
  }

  // The queue as the server sent it (this agent's order): who waits, who arrived, which chats are mine now.
  function onQueue(items) {
    const waiting = items.filter((item) => item.status === "queued");
    waitingCount = waiting.length;
    if (known !== null) {
      const before = new Set(known);
      const arrived = waiting.filter((item) => !before.has(item.handoff) && item.conversation !== conversation);
      for (const item of arrived) fresh.add(item.handoff);
      if (arrived.length) announceArrivals(arrived);
    }
    known = waiting.map((item) => item.handoff);
    keep(tab, "known", known);
    const mine = items.filter((item) => item.status === "live" && item.agent_id === me);
    const live = new Set(mine.map((item) => item.conversation));
    for (const item of mine) {
      const chat = chats.get(item.conversation);
      if (chat) {
        Object.assign(chat, { handoff: item.handoff, crisis: chat.crisis || Boolean(item.crisis), went: null, how: null });
      } else {
        chats.set(item.conversation, chatFromItem(item));
        if (!linesOf.has(item.conversation)) linesOf.set(item.conversation, item.messages || 0);
      }
    }
    for (const [id, chat] of chats) if (!live.has(id) && !chat.went) chats.delete(id); // ended, transferred
    renderChats();
    renderWaiting(waiting);
    updateTitle();
  }

  // An event of one of my chats (a notice without text, or the open chat's own event).
  function onChatEvent(event) {
    const id = event.conversation;
    const chat = chats.get(id);
    const here = id === conversation;
    if (event.type === "message" && event.sender === "user") {
      linesOf.set(id, (linesOf.get(id) || 0) + 1);
      if (chat) { chat.typing = 0; chat.back = false; }
      if (here) markSeen();
      if (chat && (!here || !visible())) {
        announce("Nieuw bericht in gesprek " + id + " (" + (chat.language || chat.locale) + ").", "message", id);
      }
    } else if (event.type === "user" && chat) {
      if (event.state === "typing") {
        chat.typing = Date.now() + TYPING_SHOWN;
        setTimeout(renderChats, TYPING_SHOWN + 50);
      } else if (event.state === "back") {
        chat.back = true;
      }
    } else if (event.type === "status" && event.status === "ended" && WENT[event.reason] && chat) {
      Object.assign(chat, { went: event.reason, how: event.how || null, typing: 0 });
      if (!here) {
        gone[id] = { ...chat, at: Date.now() };
        keep(tab, "gone", gone);
        announce("Gesprek " + id + ": " + wentShort(chat) + ".", "left", id);
      }
    }
    renderChats();
    updateTitle();
  }

  function switchChat(step) {
    const ids = Array.from(chats.keys());
    if (!ids.length) { toast("Je hebt nu geen gesprekken.", true); return; }
    const at = ids.indexOf(conversation);
    const next = ids[(at + step + ids.length) % ids.length];
    if (at === -1) window.location.href = "/console/c/" + ids[step > 0 ? 0 : ids.length - 1];
    else if (next !== conversation) window.location.href = "/console/c/" + next;
  }

  document.addEventListener("visibilitychange", () => {
    markSeen();
    renderChats();
    updateTitle();
  });

  // --- announcements: the live line, a beep, a browser notification -----------------------------------------
  const announcer = document.getElementById("announce");
  let lastBeep = 0;

  // ``id``: the chat a notification opens; ``href``: the page it opens instead (the call-back list).
  function announce(text, kind, id, href) {
    if (announcer) announcer.textContent = text;
    if (Date.now() - lastBeep > 1500) {
      lastBeep = Date.now();
      beep(kind);
    }
    notify(text, kind, id, href);
  }

  function announceArrivals(arrived) {
    const crisis = arrived.some((item) => item.crisis);
    const first = arrived[0];
    const where = (first.language || first.locale) + " · " + (channels[first.channel] || first.channel);
    let text;
    if (arrived.length > 1) text = arrived.length + " nieuw in de wachtrij" + (crisis ? ", met een crisis." : ".");
    else text = (first.crisis ? "Crisis in de wachtrij: " : "Nieuw in de wachtrij: ") + where + ".";
    announce(text, crisis ? "crisis" : "queue", arrived.length === 1 ? first.conversation : null);
  }

  // A short beep made here (no sound file): off until the agent turns it on. Browsers start audio only after
  // the page was used (a click or a key), so the sound is made ready on the first one of each page.
  let audio = null;

  function soundOn() { return recall(browser, "sound", "off") === "on"; }

  function readyAudio() {
    if (!soundOn()) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  }
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, readyAudio, { passive: true });

  function beep(kind) {
    if (!soundOn() || !audio || audio.state !== "running") return;
    const tones = kind === "crisis" ? [880, 660, 880, 660] : kind === "queue" ? [660, 880] : [740];
    let at = audio.currentTime + 0.01;
    for (const frequency of tones) {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      tone.connect(volume).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.18);
      at += 0.2;
    }
  }

  // A browser notification, when the agent turned them on and the page is not in front of them.
  function canNotify() { return "Notification" in window; }

  function notifyOn() {
    return recall(browser, "notify", "off") === "on" && canNotify() && Notification.permission === "granted";
  }

  function notify(text, kind, id, href) {
    if (!notifyOn() || (visible() && document.hasFocus())) return;
    try {
      const shown = new Notification("Wegwijzer chat-ondersteuning", {
        body: text, tag: "wegwijzer-" + (href ? "terugbellen" : id || "wachtrij"), requireInteraction: kind === "crisis",
      });
      shown.addEventListener("click", () => {
        window.focus();
        if (href) { if (window.location.pathname !== href) window.location.href = href; }
        else if (id && id !== conversation) window.location.href = "/console/c/" + id;
        shown.close();
      });
    } catch (e) { /* this browser shows none from a page */ }
  }

  const alerts = document.getElementById("alerts");
  if (alerts) {
    alerts.hidden = false;
    const sound = document.getElementById("sound-on");
    const notices = document.getElementById("notify-on");
    sound.checked = soundOn();
    notices.checked = notifyOn();
    sound.addEventListener("change", () => {
      keep(browser, "sound", sound.checked ? "on" : null);
      if (!sound.checked) return;
      readyAudio(); // this click lets the page play sound
      setTimeout(() => beep("message"), 50); // what it sounds like
    });
    notices.addEventListener("change", async () => {
      if (!notices.checked) { keep(browser, "notify", null); return; }
      if (!canNotify()) {
        notices.checked = false;
        toast("Deze browser kan geen meldingen tonen.", true);
        return;
      }
      let permission = Notification.permission;
      if (permission === "default") permission = await Notification.requestPermission(); // asked now, once
      if (permission !== "granted") {
        notices.checked = false;
        keep(browser, "notify", null);
        toast("Je browser staat meldingen van de console niet toe. Dat kun je veranderen in de instellingen van je browser.", true);
        return;
      }
      keep(browser, "notify", "on");
      toast("Meldingen staan aan: je krijgt er een als deze pagina niet voor je open staat.");
    });
  }

  // --- call-back requests: the count beside "Terugbellen", a new one announced, the list read again ------------
  function onCallbacks(event, first) {
    const before = callbacksWaiting;
    callbacksWaiting = Math.max(0, Number(event.waiting) || 0);
    if (callbackCount) {
      callbackCount.querySelector(".number").textContent = String(callbacksWaiting);
      callbackCount.hidden = callbacksWaiting === 0;
    }
    updateTitle();
    if (event.new && !first) {
      const text = "Nieuw verzoek om terug te bellen.";
      announce(text, "queue", null, "/console/callbacks");
      if (!announcer) toast(text);
    }
    const news = !first || reconnected || callbacksWaiting !== before; // else: as the page was rendered
    if (body.dataset.page === "callbacks" && news) readCallbacks();
  }

  // The list as the server renders it now (/console/callbacks, never a request's own page); one read at a time,
  // and one more when something changed while reading.
  let callbacksReading = false;
  let callbacksAgain = false;
  async function readCallbacks() {
    if (callbacksReading) { callbacksAgain = true; return; }
    callbacksReading = true;
    try {
      do {
        callbacksAgain = false;
        const response = await fetch("/console/callbacks", { credentials: "same-origin" });
        if (!response.ok) return;
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const there = page.querySelector("#callbacks tbody");
        const here = document.querySelector("#callbacks tbody");
        if (!there || !here) return; // not the list (the login page, after the session ended)
        here.replaceChildren(...there.childNodes);
        for (const id of ["callbacks-to-do", "callbacks-empty"]) {
          const theirs = page.getElementById(id);
          const ours = document.getElementById(id);
          if (!theirs || !ours) continue;
          ours.textContent = theirs.textContent;
          ours.hidden = theirs.hidden;
        }
      } while (callbacksAgain);
    } catch (e) { /* the live link is away: the next event or a reload reads it again */ }
    finally { callbacksReading = false; }
  }

  const flash = recall(tab, "flash", null);
  if (flash) {
    keep(tab, "flash", null);
    toast(flash);
  }

  // --- the queue ---------------------------------------------------------------------------------
  async function claim(handoffId, conversationId) {
    const answer = await post("/console/h/" + handoffId + "/claim");
    if (answer) window.location.href = "/console/c/" + conversationId;
  }

  // The server sends the queue in this agent's order (crisis, then their languages); the filter only hides rows.
  let lastItems = null;

  function shown(item, wanted) {
    if (!wanted || item.crisis) return true; // a crisis is never filtered away
    if (wanted === "mine") return Boolean(item.your_language);
    return item.locale === wanted;
  }

  function cell(label, text, className) {
    const td = el("td", className || null, text);
    td.dataset.label = label;
    return td;
  }

  function renderQueue(items) {
    const table = document.getElementById("queue");
    if (!table) return;
    lastItems = items;
    const wanted = body.dataset.filter || "";
    const visible = items.filter((item) => shown(item, wanted));
    table.replaceChildren();
    for (const item of visible) {
      const classes = item.status + (item.crisis ? " crisis" : "") + (item.your_language ? " yours" : "");
      const row = el("tr", classes + (item.no_message ? " silent" : ""));
      row.dataset.conversation = item.conversation;
      const pick = cell("", null, "pick");
      if (item.no_message) pick.append(pickBox(item));
      const flag = cell("");
      if (item.crisis) flag.append(el("span", "badge crisis", "Crisis"));
      if (item.after_hours) flag.append(el("span", "badge", "Bericht"));
      if (item.witte_vlek) flag.append(el("span", "badge", "Witte vlek"));
      if (item.no_message) flag.append(el("span", "badge silent", "Nog geen bericht sinds de vraag"));
      const language = cell("Taal");
      const name = el("span", null, item.language);
      name.lang = item.locale;
      language.append(name);
      if (item.your_language) language.append(" ", el("span", "badge yours", "jouw taal"));
      row.append(pick, flag, cell("Kanaal", channels[item.channel] || item.channel), language);
      const wait = cell("Wacht", minutes(item.waiting_seconds), "wait");
      wait.dataset.since = String(Date.now() - item.waiting_seconds * 1000);
      row.append(wait, cell("Rol", item.role || "–"), cell("Thema", item.theme || "–"));
      row.append(cell("Berichten", item.messages));
      row.append(cell("Status", item.status === "live" ? item.agent : "wacht"));
      const act = el("td", "act");
      if (item.status === "queued") {
        const button = el("button", "primary", "Overnemen");
        button.type = "button";
        button.addEventListener("click", () => claim(item.handoff, item.conversation));
        act.append(button);
      }
      const view = el("a", null, "Bekijken");
      view.href = "/console/c/" + item.conversation;
      act.append(view);
      row.append(act);
      table.append(row);
    }
    refreshPicked();
    const waiting = items.filter((i) => i.status === "queued").length;
    const empty = document.getElementById("queue-empty");
    if (empty) {
      empty.hidden = visible.length > 0;
      empty.textContent = wanted && waiting ? "Niemand wacht in deze taal." : "Niemand wacht. Goed zo.";
    }
  }

  // --- entries without any message since the request: pick them and clear them, after a confirmation ----
  // Nothing is cleared without the agent's "Ja": the server only ends entries that still wait without a message.
  const picked = new Set(); // hand-off ids; kept while the queue is drawn again
  const bulk = document.getElementById("bulk-clear");

  function pickBox(item) {
    const box = el("input", "pick");
    box.type = "checkbox";
    box.value = String(item.handoff);
    box.checked = picked.has(item.handoff);
    if (item.crisis) box.dataset.crisis = "1";
    box.setAttribute("aria-label", "Kies gesprek " + item.conversation);
    return box;
  }

  function pickBoxes() {
    return Array.from(document.querySelectorAll("#queue input.pick"));
  }

  function gesprekken(n) {
    return n + (n === 1 ? " gesprek" : " gesprekken");
  }

  function refreshPicked() {
    if (!bulk) return;
    const boxes = pickBoxes();
    const shownIds = new Set(boxes.map((box) => Number(box.value)));
    for (const id of Array.from(picked)) if (!shownIds.has(id)) picked.delete(id); // claimed, written in, gone, hidden
    for (const box of boxes) box.checked = picked.has(Number(box.value));
    bulk.hidden = boxes.length === 0;
    document.getElementById("picked-count").textContent = String(picked.size);
    document.getElementById("clear-picked").disabled = picked.size === 0;
    const confirm = document.getElementById("clear-confirm");
    if (picked.size === 0) { confirm.hidden = true; return; }
    const crises = boxes.filter((box) => picked.has(Number(box.value)) && box.dataset.crisis).length;
    let question = "Je haalt " + gesprekken(picked.size) + " zonder bericht uit de wachtrij, als niet echt. " +
      "Wie er nog is, krijgt een rustig bericht dat hij het opnieuw kan vragen.";
    if (crises) question += " Let op: " + crises + " daarvan " + (crises === 1 ? "staat" : "staan") + " als Crisis in de wachtrij.";
    document.getElementById("clear-question").textContent = question;
  }

  if (bulk) {
    document.getElementById("queue").addEventListener("change", (event) => {
      const box = event.target.closest("input.pick");
      if (!box) return;
      if (box.checked) picked.add(Number(box.value)); else picked.delete(Number(box.value));
      refreshPicked();
    });
    document.getElementById("pick-silent").addEventListener("click", () => {
      for (const box of pickBoxes()) picked.add(Number(box.value));
      refreshPicked();
    });
    document.getElementById("clear-picked").addEventListener("click", () => {
      if (picked.size === 0) return;
      refreshPicked();
      document.getElementById("clear-confirm").hidden = false;
      document.getElementById("clear-no").focus();
    });
    document.getElementById("clear-no").addEventListener("click", () => {
      document.getElementById("clear-confirm").hidden = true;
      document.getElementById("clear-picked").focus();
    });
    document.getElementById("clear-yes").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      const chosen = Array.from(picked);
      if (chosen.length === 0) return;
      button.disabled = true;
      const answer = await post("/console/queue/clear", { handoffs: chosen, confirm: true });
      button.disabled = false;
      if (!answer) return;
      document.getElementById("clear-confirm").hidden = true;
      for (const id of chosen) picked.delete(id);
      refreshPicked();
      toast(answer.message, answer.skipped.length > 0);
    });
    refreshPicked();
  }

  const filter = document.getElementById("language-filter");
  if (filter) {
    document.getElementById("filter-submit").hidden = true; // with the script the choice applies at once
    document.getElementById("taal").addEventListener("change", (event) => {
      const wanted = event.target.value;
      body.dataset.filter = wanted;
      const url = new URL(window.location.href);
      if (wanted) url.searchParams.set("taal", wanted); else url.searchParams.delete("taal");
      window.history.replaceState(null, "", url);
      if (lastItems) renderQueue(lastItems);
    });
  }

  setInterval(() => {
    for (const cell of document.querySelectorAll("td.wait[data-since]")) {
      cell.textContent = minutes((Date.now() - Number(cell.dataset.since)) / 1000);
    }
  }, 15000);

  // --- crisis words from a user: an alert on that chat at once, and a toast on any other page of its agent
  const crisisKinds = {
    suicide: "de gebruiker schrijft over zelfmoord of zichzelf pijn doen.",
    suicide_other: "de gebruiker maakt zich zorgen dat iemand anders aan zelfmoord denkt.",
    violence: "de gebruiker schrijft over geweld of dreiging, nu.",
    abuse_home: "de gebruiker schrijft over geweld of misbruik thuis.",
    sexual: "de gebruiker schrijft over seksueel misbruik.",
  };

  function crisisAlert(event) {
    const words = crisisKinds[event.kind] || "de gebruiker schrijft over gevaar.";
    const chat = chats.get(event.conversation);
    if (chat && !chat.crisis) {
      chat.crisis = true;
      renderChats();
    }
    if (event.conversation === conversation) {
      const box = document.getElementById("crisis-alert");
      document.getElementById("crisis-kind").textContent = words;
      box.hidden = false;
      box.scrollIntoView({ block: "nearest" });
    } else if (event.agent_id === me) {
      toast("Crisis in gesprek " + event.conversation + ": " + words, true);
    }
  }

  // --- one conversation --------------------------------------------------------------------------
  const senders = { user: "Gebruiker", bot: "Wegwijzer", agent: "Medewerker", system: "Systeem" };

  function clock(iso) {
    const at = iso ? new Date(iso) : new Date();
    return at.toLocaleTimeString("nl-NL", amsterdam);
  }

  const translating = body.dataset.translate === "on";

  function said(text) {
    const p = el("p", null, text);
    p.dir = "auto"; // Arabic reads right to left, Dutch left to right: each message finds its own
    return p;
  }

  function dutch(text, tag) {
    const p = el("p", "dutch");
    p.lang = "nl";
    p.dir = "ltr";
    p.append(el("span", "tag", tag || "Nederlands"), text);
    return p;
  }

  function translateButton() {
    const button = el("button", "link translate", "Vertaal");
    button.type = "button";
    return button;
  }

  function addEntry(event) {
    const list = document.getElementById("transcript");
    if (!list) return;
    const item = el("li", "entry " + event.sender);
    item.append(el("span", "who", event.author || senders[event.sender] || event.sender));
    item.append(el("time", null, clock(event.at)));
    if (event.original) {
      const pair = el("div", "pair");
      pair.append(said(event.text), dutch(event.original));
      item.append(pair);
    } else {
      item.append(said(event.text));
    }
    if (translating && event.sender === "user") item.append(translateButton());
    list.append(item);
    list.scrollTop = list.scrollHeight;
  }

  // "Vertaal": the user's words in Dutch, under the message, for this agent only (not stored)
  async function translateEntry(button) {
    const entry = button.closest("li.entry");
    const text = entry.querySelector("p").textContent;
    button.disabled = true;
    const answer = await post("/console/c/" + conversation + "/translate", { text: text });
    button.disabled = false;
    if (!answer) return;
    const old = entry.querySelector("p.machine");
    if (old) old.remove();
    const shown = dutch(answer.translation, "Vertaling (computer)");
    shown.classList.add("machine");
    button.before(shown);
    button.remove();
  }

  function addNote(event) {
    const list = document.getElementById("notes");
    const item = el("li");
    item.append(el("span", "who", event.author), el("time", null, clock(event.at)), said(event.text));
    list.append(item);
  }

  function setState(event) {
    if (event.status === "live") {
      body.dataset.state = event.agent_id === me ? "mine" : "other";
      const owner = document.getElementById("owner");
      if (owner) owner.textContent = event.agent || "een collega";
      replyOpen(true);
      userState("");
    } else if (event.status === "queued") {
      body.dataset.state = "queued";
      replyOpen(true);
    } else if (WENT[event.reason]) {
      const text = wentText(event.reason, event.how);
      userWent(event.reason, text);
      addEntry({ sender: "system", text: text, at: new Date().toISOString() });
    } else {
      body.dataset.state = "ended";
      keep(tab, "draft." + conversation, null); // nothing to send it to any more
    }
  }

  // The user left: say so in words where the agent looks (status, the reply box), and let nothing be typed.
  function userWent(reason, text) {
    body.dataset.state = "left";
    body.dataset.went = reason;
    for (const id of ["went", "reply-closed-why"]) {
      const node = document.getElementById(id);
      if (node) node.textContent = text;
    }
    replyOpen(false);
    userState("");
    keep(tab, "draft." + conversation, null);
  }

  function replyOpen(open) {
    const fields = document.getElementById("reply-fields");
    if (fields) fields.disabled = !open;
    const box = document.getElementById("reply-text");
    if (box) {
      if (open) box.removeAttribute("aria-describedby");
      else box.setAttribute("aria-describedby", "reply-closed");
    }
  }

  // What the user does now, in words (the open chat): "typt…", back with the bot.
  let typingTimer = 0;
  function userState(text) {
    const line = document.getElementById("user-state");
    if (line && line.textContent !== text) line.textContent = text;
  }

  function userTyping() {
    if (body.dataset.state === "left" || body.dataset.state === "ended") return;
    userState("De gebruiker typt…");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => userState(""), TYPING_SHOWN);
  }

  function userBack() {
    clearTimeout(typingTimer);
    userState("De gebruiker is terug en praat nu met de Wegwijzer. Vraagt de gebruiker weer om een mens, dan komt het gesprek in de wachtrij.");
  }

  // Another worker had more to say than a live event carries (or the live link was away): read the page again
  // and take its transcript, notes and state; what the agent is typing stays.
  async function reread() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["transcript", "notes"]) {
      const there = page.getElementById(id);
      const here = document.getElementById(id);
      if (there && here) here.replaceChildren(...there.childNodes);
      if (there && here && there.dataset.last) here.dataset.last = there.dataset.last; // what a reconnect asks after
    }
    const state = page.body.dataset.state;
    if (state === "left") userWent(page.body.dataset.went, WENT[page.body.dataset.went] || WENT.user_left);
    else if (state) {
      body.dataset.state = state;
      replyOpen(state !== "ended");
    }
    if (page.body.dataset.handoff) handoff = Number(page.body.dataset.handoff);
    linesOf.set(conversation, Number(page.body.dataset.userLines) || 0);
    markSeen();
    renderChats();
    updateTitle();
    const list = document.getElementById("transcript");
    if (list) list.scrollTop = list.scrollHeight;
  }

  function formData(form) {
    return Object.fromEntries(new FormData(form).entries());
  }

  if (conversation !== null) {
    const transcript = document.getElementById("transcript");
    transcript.scrollTop = transcript.scrollHeight;
    document.getElementById("claim").addEventListener("click", async () => {
      const answer = await post("/console/h/" + handoff + "/claim");
      if (answer) toast("Je hebt het gesprek overgenomen.");
    });
    const text = document.getElementById("reply-text");
    const reply = document.getElementById("reply");
    // One id per message, kept while it is sent again after an error: the server delivers it once.
    let pending = null;
    function messageId() {
      if (!pending || pending.text !== text.value) {
        const bytes = crypto.getRandomValues(new Uint8Array(12));
        pending = { text: text.value, id: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") };
      }
      return pending.id;
    }
    // The draft of each chat stays in this tab: switching chats (or a reload) loses nothing typed.
    const draft = "draft." + conversation;
    if (body.dataset.state === "left" || body.dataset.state === "ended") keep(tab, draft, null);
    else if (!text.value) text.value = draftOf(conversation);
    if (body.dataset.state === "left") replyOpen(false);
    text.addEventListener("input", () => keep(tab, draft, text.value.trim() ? text.value : null));
    function sent() {
      text.value = "";
      pending = null;
      keep(tab, draft, null);
    }
    reply.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      const answer = await post("/console/h/" + handoff + "/reply", { text: text.value, message_id: messageId() });
      if (answer) sent();
      text.focus();
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); reply.requestSubmit(); }
    });
    let lastTyping = 0;
    text.addEventListener("input", () => {
      if (Date.now() - lastTyping > 4000) { lastTyping = Date.now(); post("/console/h/" + handoff + "/typing"); }
    });
    const choice = document.getElementById("canned");
    const preview = document.getElementById("canned-preview");
    function showPreview() {
      const option = choice.selectedOptions[0];
      preview.hidden = !choice.value;
      if (!choice.value) return;
      document.getElementById("canned-shown").textContent = option.dataset.shown;
      document.getElementById("canned-dutch").textContent = option.dataset.dutch;
    }
    choice.addEventListener("change", showPreview);
    document.getElementById("send-canned").addEventListener("click", async () => {
      if (!choice.value) { toast("Kies eerst een standaardantwoord.", true); return; }
      if (await post("/console/h/" + handoff + "/canned", { canned: choice.value })) {
        choice.value = "";
        showPreview();
      }
    });
    const sendTranslated = document.getElementById("send-translated");
    if (sendTranslated) {
      sendTranslated.addEventListener("click", async () => {
        if (!text.value.trim()) { toast("Typ eerst een bericht.", true); return; }
        sendTranslated.disabled = true;
        const answer = await post("/console/h/" + handoff + "/reply-translated", {
          text: text.value, message_id: messageId(),
        });
        sendTranslated.disabled = false;
        if (answer) sent();
        text.focus();
      });
    }
    transcript.addEventListener("click", (event) => {
      const button = event.target.closest("button.translate");
      if (button) translateEntry(button);
    });
    document.getElementById("transfer").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await post("/console/h/" + handoff + "/transfer", formData(event.target))) toast("Doorgezet.");
    });
    // After "Afsluiten" (the outcome is required): straight on to the next waiting chat, or the queue.
    document.getElementById("end").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await post("/console/h/" + handoff + "/end", formData(event.target))) {
        keep(tab, draft, null);
        keep(tab, "flash", "Gesprek " + conversation + " afgesloten.");
        window.location.href = "/console/volgende";
      }
    });
    document.getElementById("note").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      if (await post("/console/c/" + conversation + "/note", formData(form))) form.reset();
    });
  }

  // --- keyboard shortcuts, listed in the "?" dialog ----------------------------------------------------------
  function inTextField(target) {
    return target instanceof HTMLElement && (target.isContentEditable ||
      target.matches("textarea, select, input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])"));
  }

  function claimThis() {
    const button = document.getElementById("claim");
    if (conversation === null || body.dataset.state !== "queued" || !button) {
      toast("Hier is niets over te nemen. Alt+N opent het volgende wachtende gesprek.", true);
      return;
    }
    button.click();
  }

  function mineOnly() {
    if (conversation !== null && body.dataset.state === "mine") return true;
    toast("Dat kan alleen in een gesprek dat jij hebt.", true);
    return false;
  }

  function pickCanned(number) {
    if (!mineOnly()) return;
    const choice = document.getElementById("canned");
    if (!choice || number >= choice.options.length) return;
    choice.selectedIndex = number; // option 0 is "Standaardantwoord…"
    choice.dispatchEvent(new Event("change"));
    const send = document.getElementById("send-canned");
    send.focus();
    send.scrollIntoView({ block: "nearest" });
  }

  function toEnd() {
    if (!mineOnly()) return;
    const outcome = document.querySelector('#end select[name="outcome"]');
    outcome.scrollIntoView({ block: "nearest" });
    outcome.focus();
  }

  const SHORTCUTS = {
    KeyN: () => { window.location.href = "/console/volgende"; },
    KeyC: claimThis,
    KeyE: toEnd,
    ArrowDown: () => switchChat(1),
    ArrowUp: () => switchChat(-1),
  };
  for (let n = 1; n <= 9; n += 1) SHORTCUTS["Digit" + n] = () => pickCanned(n);

  const help = document.getElementById("shortcuts");
  let helpOpener = null;

  function openHelp() {
    if (!help || help.open) return;
    helpOpener = document.activeElement;
    help.showModal(); // the rest of the page is inert; Esc closes it
    document.getElementById("shortcuts-close").focus();
  }

  if (help) {
    document.getElementById("shortcuts-open").addEventListener("click", openHelp);
    document.getElementById("shortcuts-close").addEventListener("click", (event) => {
      event.preventDefault();
      help.close();
    });
    help.addEventListener("close", () => {
      if (helpOpener && typeof helpOpener.focus === "function") helpOpener.focus();
      helpOpener = null;
    });
    help.addEventListener("keydown", (event) => { // Tab stays inside the dialog
      if (event.key !== "Tab") return;
      const inside = Array.from(help.querySelectorAll("button, [href], input, select, textarea, [tabindex]"))
        .filter((node) => !node.disabled && node.tabIndex >= 0);
      if (!inside.length) return;
      const first = inside[0];
      const last = inside[inside.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
    help.addEventListener("click", (event) => { if (event.target === help) help.close(); }); // the backdrop
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.isComposing) return;
    if (help && help.open) return; // the dialog first (Esc closes it)
    if (event.altKey) {
      const action = SHORTCUTS[event.code]; // the key, not the character: Alt+N is "˜" on a Mac
      if (!action) return;
      if (event.code.startsWith("Arrow") && event.target instanceof HTMLSelectElement) return; // opens its list
      event.preventDefault();
      action();
    } else if (event.key === "?" && !inTextField(event.target)) {
      event.preventDefault();
      openHelp();
    }
  });

  // --- activity: someone using this page keeps the login; an unattended page still expires ----------
  let lastAlive = Date.now();
  function stillHere() {
    if (Date.now() - lastAlive < 120000) return; // at most every two minutes
    lastAlive = Date.now();
    post("/console/alive");
  }
  for (const kind of ["keydown", "pointerdown", "wheel"]) document.addEventListener(kind, stillHere, { passive: true });

  // --- the live connection -----------------------------------------------------------------------
  let reconnected = false; // this page's socket opened before: what the server sends first may be news
  function connect(delay) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    // The last line the page has: lines written while it loaded or while the socket was away come as a refresh.
    const transcript = document.getElementById("transcript");
    const after = transcript && transcript.dataset.last ? "&after=" + transcript.dataset.last : "";
    const watch = conversation !== null ? "?watch=" + conversation + after : "";
    const socket = new WebSocket(scheme + window.location.host + "/console/ws" + watch);
    const dot = document.getElementById("connection");
    let firstCallbacks = true; // the count as the socket opens: no news, unless this is a reconnect
    socket.addEventListener("open", () => { dot.textContent = "live"; dot.className = "live-dot on"; delay = 1000; });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "crisis") {
        crisisAlert(event);
      } else if (event.type === "callbacks") {
        onCallbacks(event, firstCallbacks);
        firstCallbacks = false;
      } else if (event.type === "queue") {
        renderQueue(event.items);
        if (conversation !== null) {
          const mine = event.items.find((i) => i.conversation === conversation);
          if (mine) handoff = mine.handoff;
        }
        onQueue(event.items);
      } else if (typeof event.conversation === "number") {
        if (event.conversation === conversation && !event.notice) {
          if (event.type === "message") addEntry(event);
          else if (event.type === "note") addNote(event);
          else if (event.type === "status") setState(event);
          else if (event.type === "refresh") reread();
          else if (event.type === "user" && event.state === "typing") userTyping();
          else if (event.type === "user" && event.state === "back") userBack();
          if (event.type === "message" && event.sender === "user") userState("");
        }
        onChatEvent(event);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) { forgetTab(); window.location.href = "/console/login"; return; } // session ended
      dot.textContent = "verbinding weg"; dot.className = "live-dot off";
      reconnected = true;
      setTimeout(() => connect(Math.min(delay * 2, 15000)), delay);
    });
  }
  connect(1000);
})();
