// Place the Wegwijzer chat on a partner page:
//   <div id="wegwijzer"></div>
//   <script src="https://WEGWIJZER-HOST/embed.js" data-target="wegwijzer" async></script>
// Optional: data-height (default 640px), data-title (the frame's accessible name).
// "Snel weg" inside the chat then replaces the whole partner page, not only the frame.
"use strict";

(() => {
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const frame = document.createElement("iframe");
  frame.src = `${origin}/embed`;
  frame.title = script.dataset.title || "Wegwijzer chat";
  frame.referrerPolicy = "no-referrer";
  frame.style.width = "100%";
  frame.style.height = script.dataset.height || "640px";
  frame.style.border = "0";
  const target = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  if (target) target.append(frame);
  else script.after(frame);

  window.addEventListener("message", (event) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (!data || data.type !== "wegwijzer:quick-exit" || typeof data.url !== "string") return;
    if (!/^https?:\/\//.test(data.url)) return;
    frame.remove();
    window.location.replace(data.url);
  });
})();
