// Rendezvous page behaviour. Every page works without it; this adds the visitor's own time
// zone, live re-sync and the hold countdown.
(() => {
  "use strict";
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  // The server reads this cookie, so only the very first page may show the host's zone.
  if (browserZone) {
    document.cookie = `rv_tz=${encodeURIComponent(browserZone)}; path=/; max-age=31536000; samesite=lax`;
    const shown = document.querySelector('[data-zone-is-hosts="true"]');
    const url = new URL(location.href);
    if (shown && shown.getAttribute("data-zone") !== browserZone && !url.searchParams.has("tz")) {
      url.searchParams.set("tz", browserZone);
      location.replace(url);
    }
  }

  const refreshSlots = () => {
    const panel = document.getElementById("slot-panel");
    if (panel && window.htmx) window.htmx.trigger(panel, "slots:refresh");
  };

  // Slots came free somewhere: this page re-fetches its own view.
  document.addEventListener("htmx:ws:after:message:incoming", (event) => {
    const data = event.detail && event.detail.message && event.detail.message.data;
    if (typeof data !== "string" || data.charAt(0) !== "{") return;
    try {
      if (JSON.parse(data).type === "refresh") refreshSlots();
    } catch (_) {
      // not ours
    }
  });

  // Messages sent while the socket was down are gone: after a reconnect, re-fetch.
  const connected = new WeakSet();
  document.addEventListener("htmx:ws:after:connection", (event) => {
    if (connected.has(event.target)) refreshSlots();
    else connected.add(event.target);
  });

  // The hold countdown: when it runs out, say so (the slot is checked again on submit).
  const tick = () => {
    for (const el of document.querySelectorAll(".countdown[data-expires]")) {
      const left = Number(el.getAttribute("data-expires")) - Date.now();
      if (left <= 0) {
        el.removeAttribute("data-expires");
        el.classList.add("expired");
        el.textContent = "Your hold on this time has run out. We will check it is still free when you confirm.";
      } else {
        const s = Math.ceil(left / 1000);
        const text = `Held for you for ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")} more.`;
        let timer = el.querySelector(".timer");
        if (!timer) {
          timer = document.createElement("span");
          timer.className = "timer";
          timer.setAttribute("aria-hidden", "true");
          el.append(" ", timer);
        }
        timer.textContent = text;
      }
    }
  };
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
