// Live status and small helpers of the web desk. No framework, no network but this server.
"use strict";

(function () {
  const POLL_MS = 2000;

  function setText(root, field, text) {
    const el = root.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text;
  }

  function showProgress(root, done, total, running) {
    const bar = root.querySelector('progress[data-field="progress"]');
    if (bar) {
      bar.max = Math.max(total, 1);
      bar.value = done;
      bar.hidden = !running;
    }
    setText(root, "pages", running ? "已读取 " + done + "/" + (total || "?") + " 页" : "");
  }

  function applyBatch(root, b) {
    const pill = root.querySelector('[data-field="label"]');
    if (pill) {
      pill.textContent = b.label;
      pill.className = "pill st-" + b.state;
    }
    showProgress(root, b.pages_done, b.pages_total, b.state === "running");
    const msg = root.querySelector('[data-field="message"]');
    if (msg) msg.textContent = b.message || "";
  }

  function applyApps(b) {
    for (const a of b.apps) {
      const row = document.querySelector('tr[data-app="' + a.id + '"]');
      if (!row) continue;
      const pill = row.querySelector('[data-field="label"]');
      if (pill) {
        pill.textContent = a.label;
        pill.className = "pill st-" + a.state;
      }
    }
  }

  // Polls a small JSON endpoint; reloads the page once what it shows is final, so that the
  // counts and links drawn by the server appear.
  function poll(el) {
    const url = el.getAttribute("data-poll");
    const reloadWhenFinal = el.getAttribute("data-reload-when-final") === "yes";
    const appId = el.getAttribute("data-app-id");
    let stopped = false;
    async function tick() {
      if (stopped) return;
      try {
        const res = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (res.status === 401) { window.location.reload(); return; }
        if (!res.ok) throw new Error(String(res.status));
        const data = await res.json();
        const batches = data.batches || [data];
        let allFinal = true;
        let onlyTonight = true;
        for (const b of batches) {
          const root = document.querySelector('[data-batch="' + b.id + '"]') || el;
          applyBatch(root, b);
          applyApps(b);
          if (appId) {
            const mine = b.apps.find((a) => String(a.id) === appId);
            if (mine) {
              setText(el, "label", mine.label);
              if (mine.state !== "done" && mine.state !== "failed") allFinal = false;
              continue;
            }
          }
          if (!b.final) allFinal = false;
          if (!b.final && b.state !== "tonight") onlyTonight = false;
        }
        if (allFinal) {
          stopped = true;
          if (reloadWhenFinal) window.location.reload();
          return;
        }
        // A batch waiting for tonight's run changes a few times a day: ask less often.
        setTimeout(tick, onlyTonight ? 30 * POLL_MS : POLL_MS);
        return;
      } catch (e) {
        // A lost connection: keep trying at the same pace.
      }
      setTimeout(tick, POLL_MS);
    }
    setTimeout(tick, POLL_MS);
  }

  // A click on "在报告中查看证据" marks the finding it belongs to.
  function linkFindings() {
    for (const a of document.querySelectorAll("a[data-anchor]")) {
      a.addEventListener("click", function () {
        for (const f of document.querySelectorAll("article.finding.active")) f.classList.remove("active");
        const art = a.closest("article.finding");
        if (art) art.classList.add("active");
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    for (const el of document.querySelectorAll("[data-poll]")) {
      if (el.getAttribute("data-reload-when-final") === "no") continue;
      poll(el);
    }
    linkFindings();
  });
})();
