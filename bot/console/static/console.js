// Wegwijzer console: live queue and conversation over one WebSocket; actions as CSRF-checked POSTs.
// Everything a user wrote is put in the page with textContent, never as HTML.
"use strict";

(() => {
  const body = document.body;
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const me = Number(document.querySelector('meta[name="agent-id"]').content);
  const conversation = body.dataset.conversation ? Number(body.dataset.conversation) : null;
  let handoff = body.dataset.handoff ? Number(body.dataset.handoff) : null;

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
    document.title = (waiting ? "(" + waiting + ") " : "") + "Wachtrij · Wegwijzer";
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
    } else if (event.status === "queued") {
      body.dataset.state = "queued";
    } else {
      body.dataset.state = "ended";
      const why = ENDED_BY[event.reason];
      if (why) addEntry({ sender: "system", text: why, at: new Date().toISOString() });
    }
  }
  const ENDED_BY = {
    user_left: "De gebruiker is weggegaan.",
    user_deleted: "De gebruiker is weggegaan en heeft het gesprek gewist.",
  };

  // Another worker had more to say than a live event carries (or the live link was away): read the page again
  // and take its transcript, notes and state; what the agent is typing stays.
  async function reread() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["transcript", "notes"]) {
      const fresh = page.getElementById(id);
      const here = document.getElementById(id);
      if (fresh && here) here.replaceChildren(...fresh.childNodes);
    }
    if (page.body.dataset.state) body.dataset.state = page.body.dataset.state;
    if (page.body.dataset.handoff) handoff = Number(page.body.dataset.handoff);
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
    reply.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      const answer = await post("/console/h/" + handoff + "/reply", { text: text.value, message_id: messageId() });
      if (answer) { text.value = ""; pending = null; }
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
        if (answer) { text.value = ""; pending = null; }
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
    document.getElementById("end").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await post("/console/h/" + handoff + "/end", formData(event.target))) toast("Gesprek afgesloten.");
    });
    document.getElementById("note").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      if (await post("/console/c/" + conversation + "/note", formData(form))) form.reset();
    });
  }

  // --- activity: someone using this page keeps the login; an unattended page still expires ----------
  let lastAlive = Date.now();
  function stillHere() {
    if (Date.now() - lastAlive < 120000) return; // at most every two minutes
    lastAlive = Date.now();
    post("/console/alive");
  }
  for (const kind of ["keydown", "pointerdown", "wheel"]) document.addEventListener(kind, stillHere, { passive: true });

  // --- the live connection -----------------------------------------------------------------------
  function connect(delay) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const watch = conversation !== null ? "?watch=" + conversation : "";
    const socket = new WebSocket(scheme + window.location.host + "/console/ws" + watch);
    const dot = document.getElementById("connection");
    socket.addEventListener("open", () => { dot.textContent = "live"; dot.className = "live-dot on"; delay = 1000; });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "crisis") {
        crisisAlert(event);
      } else if (event.type === "queue") {
        renderQueue(event.items);
        if (conversation !== null) {
          const mine = event.items.find((i) => i.conversation === conversation);
          if (mine) handoff = mine.handoff;
        }
      } else if (event.conversation === conversation) {
        if (event.type === "message") addEntry(event);
        else if (event.type === "note") addNote(event);
        else if (event.type === "status") setState(event);
        else if (event.type === "refresh") reread();
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) { window.location.href = "/console/login"; return; } // session ended
      dot.textContent = "verbinding weg"; dot.className = "live-dot off";
      setTimeout(() => connect(Math.min(delay * 2, 15000)), delay);
    });
  }
  connect(1000);
})();
