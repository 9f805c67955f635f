// Rendezvous embed: sizes each booking frame (iframe[data-rendezvous]) to its page, which
// reports its height as it changes. Runs on the host's own site.
(() => {
  "use strict";
  addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "rendezvous:height" || typeof data.height !== "number") return;
    for (const frame of document.querySelectorAll("iframe[data-rendezvous]")) {
      if (frame.contentWindow === event.source) frame.style.height = `${Math.ceil(Math.min(data.height, 20000))}px`;
    }
  });
})();
