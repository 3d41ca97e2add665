// The supervisor view (bot/console/supervisor.py): asks /console/supervisor.json every few seconds and redraws.
// Only while the page is visible and someone used it within the console's idle time: every request counts as
// using the console, so a view left alone stops asking and the session can end as on any console page.
// Everything from the server is put in with textContent (never HTML).
(() => {
  "use strict";
  const body = document.body;
  const every = Math.max(2, Number(body.dataset.pollSeconds || 5)) * 1000;
  const idleLimit = Math.max(1, Number(body.dataset.idleMinutes || 30) - 1) * 60 * 1000;
  const $ = (id) => document.getElementById(id);
  let lastUse = Date.now();
  let timer = null;
  let paused = false;
  let crisisSeen = Number($("sv-crisis-count").textContent) || 0;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const link = (chat) => el("a", { href: `/console/c/${chat.conversation}`, text: `Gesprek ${chat.conversation}` });
  const crisisBadge = (text) => el("span", { className: "badge crisis", text });
  const warning = (text) => {
    const tag = el("strong", { className: "sv-crisis-tag" });
    tag.append(el("span", { "aria-hidden": "true", text: "⚠" }), ` ${text}`);
    return tag;
  };

  function drawCrisis(list) {
    const items = list.map((chat) => {
      const language = el("span", { lang: chat.locale, text: chat.language });
      return el("li", {}, warning("Crisis"), " ", link(chat), ` · wacht ${chat.time_text} · `, language, ` · ${chat.channel}`);
    });
    $("sv-crisis").replaceChildren(...items);
    $("sv-crisis-count").textContent = String(list.length);
    $("sv-crisis-none").hidden = list.length > 0;
    $("sv-crisis-panel").classList.toggle("alerting", list.length > 0);
    if (list.length > crisisSeen) {
      const n = list.length;
      $("sv-announce").textContent = n === 1
        ? "Let op: 1 crisisgesprek wacht zonder medewerker."
        : `Let op: ${n} crisisgesprekken wachten zonder medewerker.`;
    }
    crisisSeen = list.length;
  }

  function drawAgents(people) {
    const rows = people.map((person) => {
      const name = el("th", { scope: "row", text: person.name });
      if (person.admin) name.append(" ", el("span", { className: "muted small", text: "(beheer)" }));
      const state = el("td");
      if (person.online) {
        state.append(el("span", { className: "sv-state", text: "● Online" }), " ",
          el("span", { className: "muted small", text: `laatst actief ${person.last_seen_text}` }));
      } else {
        state.append(el("span", { className: "sv-state", text: "○ Niet online" }));
      }
      if (person.away_with_chats) {
        const away = el("strong", { className: "sv-warning" });
        away.append(el("span", { "aria-hidden": "true", text: "⚠" }), " Weg, met open gesprekken");
        state.append(" ", away);
      }
      const load = el("td", { className: "num", text: String(person.load) });
      if (person.crisis_chats) load.append(" ", crisisBadge(`${person.crisis_chats} crisis`));
      const chats = el("td");
      if (person.chats.length) {
        const list = el("ul", { className: "sv-chats" });
        for (const chat of person.chats) {
          const item = el("li", {}, link(chat));
          if (chat.crisis) item.append(" ", crisisBadge("Crisis"));
          item.append(" ", el("span", { className: "muted small", text: `${chat.language}, ${chat.time_text}` }));
          list.append(item);
        }
        chats.append(list);
      } else {
        chats.textContent = "–";
      }
      const row = el("tr", { className: person.online ? "online" : "offline" }, name, state, load, chats,
        el("td", { text: person.languages }));
      return row;
    });
    $("sv-agents").replaceChildren(...rows);
  }

  function draw(data) {
    $("sv-waiting").textContent = String(data.waiting);
    $("sv-oldest").textContent = data.oldest_wait_text;
    $("sv-left").textContent = String(data.messages_left);
    $("sv-live").textContent = String(data.live);
    $("sv-online").textContent = String(data.online);
    const updated = $("sv-updated");
    updated.textContent = data.at_text;
    updated.setAttribute("datetime", data.at);
    drawCrisis(data.unclaimed_crisis);
    drawAgents(data.agents);
  }

  function problem(text) {
    const box = $("sv-error");
    box.hidden = !text;
    box.textContent = text || "";
  }

  async function refresh() {
    timer = null;
    if (document.hidden || paused) return;
    if (Date.now() - lastUse > idleLimit) {
      paused = true;
      $("sv-paused").hidden = false;
      return;
    }
    try {
      const response = await fetch("/console/supervisor.json", { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401 || response.redirected) {
        window.location.assign("/console/login");
        return;
      }
      if (!response.ok) {
        problem(response.status === 403 ? "Alleen voor beheerders." : "Bijwerken lukt nu niet. We proberen het zo weer.");
        if (response.status === 403) return;
      } else {
        draw(await response.json());
        problem("");
      }
    } catch (error) {
      problem("Geen verbinding. We proberen het zo weer.");
    }
    schedule();
  }

  function schedule() {
    if (timer === null && !paused && !document.hidden) timer = window.setTimeout(refresh, every);
  }

  function used() {
    lastUse = Date.now();
  }

  for (const kind of ["keydown", "pointerdown", "wheel", "touchstart"]) {
    window.addEventListener(kind, used, { passive: true });
  }
  $("sv-resume").addEventListener("click", () => {
    used();
    paused = false;
    $("sv-paused").hidden = true;
    refresh();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null && !paused) refresh();
  });
  schedule();
})();
