// Rendezvous page behaviour. Every page works without it; this adds the visitor's own time
// zone, a searchable zone list, keyboard navigation of the calendar, live re-sync and
// announcements, and the hold countdown.
(() => {
  "use strict";
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  // The server reads this cookie, so only the very first page may show the host's zone.
  if (browserZone) document.cookie = `rv_tz=${encodeURIComponent(browserZone)}; path=/; max-age=31536000; samesite=lax`;

  // That first page hid its times (see ZoneGuess): fetch them in the browser's zone, in place.
  const showInBrowserZone = () => {
    const root = document.documentElement;
    if (!root.classList.contains("zone-pending")) return;
    const shown = () => root.classList.remove("zone-pending");
    if (!window.htmx) return shown();
    const url = new URL(location.href);
    url.searchParams.set("tz", browserZone);
    window.htmx.ajax("GET", url.pathname + url.search, { target: document.body, swap: "outerSync", replace: "true" }).then(shown, shown);
  };

  // ---------------------------------------------------------------------------------------
  // Time zone: choosing one shows it at once; a search box narrows the long list.
  const setUpZonePicker = () => {
    const select = document.getElementById("tz");
    if (!select || select.dataset.enhanced) return;
    select.dataset.enhanced = "true";
    select.addEventListener("change", () => select.form.requestSubmit());
    const search = document.createElement("input");
    search.type = "search";
    search.id = "tz-search";
    search.placeholder = select.dataset.search || "Search time zones";
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("aria-controls", "tz");
    select.before(search);
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      for (const group of select.querySelectorAll("optgroup")) {
        let any = false;
        for (const option of group.querySelectorAll("option")) {
          const text = `${group.label} ${option.textContent} ${option.value}`.toLowerCase().replaceAll("_", " ");
          const match = words.every((w) => text.includes(w));
          option.hidden = !match;
          if (match) {
            any = true;
            first = first || option;
          }
        }
        group.hidden = !any;
      }
      select.size = words.length > 0 ? 8 : 0;
      if (first && words.length > 0) first.selected = true;
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        select.form.requestSubmit();
      }
    });
  };

  // ---------------------------------------------------------------------------------------
  // Calendar: one day in the tab order (roving focus); arrows, Home/End and Page keys move.
  let focusDayAfterSwap = null;

  const dayLinks = () => [...document.querySelectorAll(".month a.day")];

  const setUpGrid = () => {
    const days = dayLinks();
    if (days.length === 0) return;
    const current =
      days.find((d) => d.classList.contains("selected")) ||
      days.find((d) => d.getAttribute("aria-current") === "date") ||
      days.find((d) => d.querySelector(".dot")) ||
      days[0];
    for (const d of days) {
      d.tabIndex = d === current ? 0 : -1;
      d.setAttribute("aria-disabled", d.querySelector(".dot") ? "false" : "true");
    }
    if (focusDayAfterSwap !== null) {
      const wanted = days.find((d) => d.dataset.date.endsWith(`-${focusDayAfterSwap}`)) || days[days.length - 1];
      focusDayAfterSwap = null;
      wanted.focus();
    }
  };

  const moveTo = (target) => {
    for (const d of dayLinks()) d.tabIndex = d === target ? 0 : -1;
    target.focus();
  };

  const goToMonth = (rel, day) => {
    const link = document.querySelector(`.month-nav a[rel="${rel}"]`);
    if (!link) return;
    focusDayAfterSwap = day;
    link.click();
  };

  document.addEventListener("keydown", (event) => {
    const day = event.target.closest && event.target.closest(".month a.day");
    if (!day) return;
    const days = dayLinks();
    const i = days.indexOf(day);
    const dayOfMonth = day.dataset.date.slice(8);
    const column = day.closest("td").cellIndex;
    let target = null;
    switch (event.key) {
      case "ArrowRight":
        target = days[i + 1] || (goToMonth("next", "01"), null);
        break;
      case "ArrowLeft":
        target = days[i - 1] || (goToMonth("prev", "31"), null);
        break;
      case "ArrowDown":
        target = days[i + 7] || (goToMonth("next", dayOfMonth), null);
        break;
      case "ArrowUp":
        target = days[i - 7] || (goToMonth("prev", dayOfMonth), null);
        break;
      case "Home":
        target = days[i - column] || days[0];
        break;
      case "End":
        target = days[Math.min(days.length - 1, i + (6 - column))];
        break;
      case "PageDown":
        goToMonth("next", dayOfMonth);
        break;
      case "PageUp":
        goToMonth("prev", dayOfMonth);
        break;
      case " ":
        day.click();
        break;
      default:
        return;
    }
    event.preventDefault();
    if (target) moveTo(target);
  });

  // ---------------------------------------------------------------------------------------
  // Live: refresh when times come free or after a reconnect; announce what was taken, and
  // keep focus on the list when the focused time disappears.
  const refreshSlots = () => {
    const panel = document.getElementById("booking-panel");
    if (panel && window.htmx) window.htmx.trigger(panel, "slots:refresh");
  };

  let focusedSlot = null;
  let slotCount = 0;
  document.addEventListener("htmx:ws:before:message:incoming", () => {
    const li = document.activeElement && document.activeElement.closest && document.activeElement.closest(".slots li");
    focusedSlot = li ? { li, next: li.nextElementSibling, previous: li.previousElementSibling, list: li.parentElement } : null;
    slotCount = document.querySelectorAll(".day-slots .slots li").length;
  });

  // The host's dashboard: re-read the meetings when the server says they changed, and say so.
  let meetingCount = -1;
  const meetingRows = () => document.querySelectorAll("#meetings li.meeting").length;
  const refreshMeetings = () => {
    const meetings = document.getElementById("meetings");
    if (!meetings || !window.htmx) return;
    meetingCount = meetingRows();
    window.htmx.trigger(meetings, "meetings:refresh");
  };

  document.addEventListener("htmx:ws:after:message:incoming", (event) => {
    const data = event.detail && event.detail.message && event.detail.message.data;
    if (typeof data === "string" && data.charAt(0) === "{") {
      try {
        const type = JSON.parse(data).type;
        if (type === "refresh") refreshSlots();
        if (type === "meetings") refreshMeetings();
      } catch (_) {
        // not ours
      }
    }
    const taken = slotCount - document.querySelectorAll(".day-slots .slots li").length;
    const status = document.getElementById("live-status");
    if (taken > 0 && status) status.textContent = taken === 1 ? status.dataset.one : status.dataset.many.replace("{n}", String(taken));
    if (focusedSlot && !focusedSlot.li.isConnected) {
      const next = [focusedSlot.next, focusedSlot.previous].find((el) => el && el.isConnected);
      const button = next ? next.querySelector("button") : null;
      if (button) button.focus();
      else {
        const heading = focusedSlot.list.closest("section") && focusedSlot.list.closest("section").querySelector("h3");
        if (heading) {
          heading.tabIndex = -1;
          heading.focus();
        }
      }
    }
    focusedSlot = null;
    setUpGrid();
  });

  // Messages sent while the socket was down are gone: after a reconnect, re-fetch.
  const connected = new WeakSet();
  document.addEventListener("htmx:ws:after:connection", (event) => {
    if (connected.has(event.target)) {
      refreshSlots();
      refreshMeetings();
    } else connected.add(event.target);
  });

  // The zone form and clock links sit outside the panel htmx swaps: after a day or month
  // changes there, they take the panel's view along, so a new zone or clock keeps the day.
  // The zone list gives each zone's offset on the date on screen (as the server did for the first one).
  const offsetFormats = new Map();
  let offsetsAt = 0;
  const offsetOf = (zone, at) => {
    let format = offsetFormats.get(zone);
    if (!format) offsetFormats.set(zone, (format = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })));
    const name = (format.formatToParts(at).find((p) => p.type === "timeZoneName") || {}).value || "GMT";
    return name === "GMT" ? "GMT+00:00" : name;
  };
  const syncZoneOffsets = (keep) => {
    const day = keep.date || `${keep.month}-01`;
    const at = Math.max(Date.now(), Date.parse(`${day}T12:00:00Z`));
    const select = document.getElementById("tz");
    if (!select || Number.isNaN(at) || Math.floor(at / 3_600_000) === Math.floor(offsetsAt / 3_600_000)) return;
    offsetsAt = at;
    for (const option of select.options) {
      try {
        option.textContent = option.textContent.replace(/\(GMT[^)]*\)$/, `(${offsetOf(option.value, at)})`);
      } catch (_) {
        // a zone this browser does not know keeps its label
      }
    }
  };

  const syncViewState = () => {
    const panel = document.getElementById("booking-panel");
    const form = document.getElementById("zone-form");
    if (!panel || !form || !panel.dataset.keep) return;
    syncZoneOffsets(JSON.parse(panel.dataset.keep));
    for (const input of form.querySelectorAll('input[data-keep="true"]')) input.remove();
    for (const [name, value] of Object.entries(JSON.parse(panel.dataset.keep))) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.dataset.keep = "true";
      form.prepend(input);
    }
    for (const link of document.querySelectorAll(".clock-switch a[data-clock]")) {
      const url = panel.getAttribute(`data-clock-${link.dataset.clock}`);
      if (url) link.href = url;
    }
  };

  document.addEventListener("htmx:after:swap", () => {
    watchHold();
    setUpGrid();
    setUpZonePicker();
    syncViewState();
    if (meetingCount >= 0) {
      const now = meetingRows();
      const status = document.getElementById("meetings-status");
      if (status) {
        status.textContent =
          now > meetingCount ? "A new meeting was booked." : now < meetingCount ? "A meeting was cancelled." : "Your meetings were updated.";
      }
      meetingCount = -1;
    }
  });

  // ---------------------------------------------------------------------------------------
  // The hold countdown: when it runs out, say so (the time is checked again on submit).
  const tick = () => {
    for (const el of document.querySelectorAll(".countdown[data-expires]")) {
      const left = Number(el.getAttribute("data-expires")) - Date.now();
      if (left <= 0) {
        el.removeAttribute("data-expires");
        el.classList.add("expired");
        el.textContent = el.dataset.gone;
      } else {
        const s = Math.ceil(left / 1000);
        let timer = el.querySelector(".timer");
        if (!timer) {
          timer = document.createElement("span");
          timer.className = "timer";
          timer.setAttribute("aria-hidden", "true");
          el.append(" ", timer);
        }
        timer.textContent = el.dataset.left.replace("{time}", `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`);
      }
    }
  };

  // The hold: renewed while its form is open, so a page that closes or crashes lets the time
  // go after one lease; let go at once when the invitee leaves the form, unless to book it.
  let hold = null;
  let renewTimer = 0;
  const holdBody = () => new URLSearchParams(new FormData(hold.form));
  const letGo = () => {
    if (hold && !hold.kept) navigator.sendBeacon(hold.form.action, holdBody());
    hold = null;
    clearInterval(renewTimer);
  };
  const renew = async () => {
    if (!hold) return;
    const response = await fetch(hold.form.dataset.renewUrl, { method: "POST", body: holdBody() });
    if (response.status === 410) {
      clearInterval(renewTimer);
      for (const el of document.querySelectorAll(".countdown[data-expires]")) el.setAttribute("data-expires", "0");
      tick();
    }
  };
  const watchHold = () => {
    const form = document.getElementById("release-form");
    if (hold && hold.form === form) return;
    letGo();
    if (!form) return;
    hold = { form, kept: false };
    renewTimer = setInterval(() => renew().catch(() => {}), Number(form.dataset.renewMs) || 20000);
  };
  document.addEventListener(
    "submit",
    (event) => {
      // Booking it, or "Change" (which lets it go itself): nothing to send on leaving.
      if (hold && (event.target.id === "book-form" || event.target === hold.form)) hold.kept = true;
    },
    true,
  );
  window.addEventListener("pagehide", letGo);
  // Back to a form whose hold was let go on leaving: show it as it is now.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && document.getElementById("release-form")) location.reload();
  });

  // A new host's zone: the browser's, unless they already chose one.
  const detectZone = () => {
    const select = document.querySelector("select[data-detect-zone]");
    if (!select || !browserZone || select.getAttribute("aria-invalid") === "true") return;
    if ([...select.options].some((o) => o.value === browserZone)) select.value = browserZone;
  };

  // ---------------------------------------------------------------------------------------
  // Inline validation: leaving a field of a form marked data-check sends the form to be
  // checked (never saved) and shows that field's message, or takes it away. The server stays
  // the judge; without this script the same messages come on submit.
  const checkField = async (form, input) => {
    const name = input.name;
    const data = new FormData(form);
    data.set("_check", name);
    data.set("_shown", [...form.querySelectorAll('[aria-invalid="true"][name]')].map((el) => el.name).join(","));
    // Checks go to the form's address + /check: counted as reads, and never saved there.
    const response = await fetch(`${form.action.replace(/[?#].*$/, "")}/check`, { method: "POST", body: new URLSearchParams(data) });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const id = input.id;
    const fresh = page.getElementById(`${id}-error`);
    const current = document.getElementById(`${id}-error`);
    if (current && !fresh) current.remove();
    if (fresh) {
      if (current) current.replaceWith(document.importNode(fresh, true));
      else (input.closest(".field") || input.parentElement).append(document.importNode(fresh, true));
    }
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((d) => d && d !== `${id}-error`);
    if (fresh) {
      input.setAttribute("aria-invalid", "true");
      described.push(`${id}-error`);
    } else input.removeAttribute("aria-invalid");
    if (described.length > 0) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  };

  document.addEventListener("focusout", (event) => {
    const input = event.target;
    const form = input && input.form;
    if (!form || !form.matches("form[data-check]") || !input.name || !input.id || input.type === "hidden" || input.type === "submit") return;
    checkField(form, input).catch(() => {
      // a failed check changes nothing: the form is judged on submit anyway
    });
  });

  // In a frame on the host's site: tell the embed script how tall the page is, as it changes.
  const reportHeight = () => {
    if (window.parent === window || !document.body.classList.contains("embed")) return;
    let last = 0;
    const report = () => {
      const height = document.documentElement.scrollHeight;
      if (height !== last) window.parent.postMessage({ type: "rendezvous:height", height: (last = height) }, "*");
    };
    new ResizeObserver(report).observe(document.documentElement);
    report();
  };

  const start = () => {
    reportHeight();
    showInBrowserZone();
    watchHold();
    detectZone();
    setUpZonePicker();
    setUpGrid();
    tick();
  };
  setInterval(tick, 1000);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
