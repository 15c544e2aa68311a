// Uploading a batch: a folder (picked or dropped) or one .zip, sent file by file in 8 MB
// chunks. Each chunk says its offset; after any failure the page asks the server how much it
// has and goes on from there, so a dropped connection costs at most one chunk. The upload's
// id is remembered (localStorage) under a fingerprint of the files: picking the same files
// again after a reload continues the same upload.
"use strict";

(function () {
  const CHUNK = 8 * 1024 * 1024;
  const MAX_RETRIES = 8;
  const SYSTEM_FILES = new Set([".DS_Store", "Thumbs.db", "desktop.ini"]);

  let picked = null; // {kind, name, files: [{path, file}]}

  const $ = (id) => document.getElementById(id);
  const form = $("upload-form");
  if (!form) return;
  const csrf = form.getAttribute("data-csrf");
  const maxBytes = Number(form.getAttribute("data-max"));

  function human(n) {
    const units = ["B", "KB", "MB", "GB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  // ---- choosing -------------------------------------------------------------------------

  // entries: [{path: "top/app/file.pdf", file}]. A picked folder is the batch when nothing
  // lies directly in it (its subfolders are the applications); otherwise it is one
  // application and is kept as a folder of the batch.
  function fromFolder(entries) {
    entries = entries.filter((e) => !SYSTEM_FILES.has(e.file.name));
    if (entries.length === 0) return null;
    const tops = new Set(entries.map((e) => e.path.split("/")[0]));
    const single = tops.size === 1 ? [...tops][0] : null;
    const deep = single !== null && entries.every((e) => e.path.split("/").length >= 3);
    const files = entries.map((e) => ({
      path: deep ? e.path.split("/").slice(1).join("/") : e.path,
      file: e.file,
    }));
    return { kind: "folder", name: single || "", files: files };
  }

  function fromZip(file) {
    return { kind: "zip", name: file.name.replace(/\.zip$/i, ""), files: [{ path: file.name, file: file }] };
  }

  function show(choice) {
    picked = choice;
    if (!choice) return;
    const total = choice.files.reduce((s, f) => s + f.file.size, 0);
    $("picked").hidden = false;
    $("drop").hidden = true;
    let summary = choice.kind === "zip"
      ? "压缩包 " + choice.files[0].path + "（" + human(total) + "）"
      : choice.files.length + " 个文件，共 " + human(total);
    if (total > maxBytes) summary += " —— 超过上限 " + human(maxBytes) + "，无法上传";
    $("picked-summary").textContent = summary;
    if (choice.kind === "folder") {
      const apps = new Set();
      let loose = 0;
      for (const f of choice.files) {
        const parts = f.path.split("/");
        if (parts.length > 1) apps.add(parts[0]); else loose++;
      }
      const names = [...apps];
      let text = "将作为 " + names.length + " 个申报上传：" + names.slice(0, 8).join("、") + (names.length > 8 ? " 等" : "");
      if (loose) text += "；另有 " + loose + " 个文件不在任何申报文件夹中（将列为“未归属文件”）";
      $("picked-apps").textContent = text;
    } else {
      $("picked-apps").textContent = "压缩包内每个文件夹（或 .zip）为一个申报。";
    }
    if (!$("batch-name").value && choice.name) $("batch-name").value = choice.name;
    $("start").disabled = total > maxBytes;
  }

  function clearChoice() {
    picked = null;
    $("picked").hidden = true;
    $("drop").hidden = false;
    $("start").disabled = true;
    $("pick-folder").value = "";
    $("pick-zip").value = "";
  }

  $("pick-folder").addEventListener("change", function (ev) {
    const files = [...ev.target.files];
    show(fromFolder(files.map((f) => ({ path: f.webkitRelativePath || f.name, file: f }))));
  });
  $("pick-zip").addEventListener("change", function (ev) {
    if (ev.target.files.length) show(fromZip(ev.target.files[0]));
  });
  $("clear").addEventListener("click", clearChoice);

  // Dropped folders are walked through the File System Entry API.
  function readAll(reader) {
    return new Promise((resolve, reject) => {
      const out = [];
      const next = () => reader.readEntries((batch) => {
        if (!batch.length) resolve(out);
        else { out.push(...batch); next(); }
      }, reject);
      next();
    });
  }
  async function walk(entry, prefix, out) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ path: prefix + entry.name, file: file });
    } else if (entry.isDirectory) {
      for (const child of await readAll(entry.createReader())) {
        await walk(child, prefix + entry.name + "/", out);
      }
    }
  }

  const drop = $("drop");
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async function (ev) {
    ev.preventDefault();
    drop.classList.remove("over");
    const items = [...ev.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    const plain = [...ev.dataTransfer.files];
    if (items.length === 1 && items[0].isFile && /\.zip$/i.test(items[0].name)) {
      show(fromZip(plain[0]));
      return;
    }
    const out = [];
    for (const entry of items) await walk(entry, "", out);
    show(fromFolder(out));
  });

  // ---- sending ----------------------------------------------------------------------------

  function fingerprint(choice) {
    return "desk-upload:" + choice.kind + ":" + choice.files.map((f) => f.path + "|" + f.file.size + "|" + f.file.lastModified).join(";");
  }

  async function api(method, url, body) {
    const res = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.error || ("服务器返回 " + res.status));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // One chunk by XMLHttpRequest: fetch cannot report upload progress.
  function sendChunk(uploadId, idx, offset, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", "/api/uploads/" + uploadId + "/files/" + idx + "?offset=" + offset);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.timeout = 10 * 60 * 1000;
      xhr.upload.onprogress = (ev) => onProgress(ev.loaded);
      xhr.onload = () => {
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 200) resolve(data.received);
        else if (xhr.status === 409 && typeof data.received === "number") resolve(data.received);
        else {
          const err = new Error(data.error || ("服务器返回 " + xhr.status));
          err.status = xhr.status;
          reject(err);
        }
      };
      xhr.onerror = () => reject(new Error("网络连接中断"));
      xhr.ontimeout = () => reject(new Error("上传超时"));
      xhr.send(blob);
    });
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function setProgress(done, total, note) {
    $("progress").max = Math.max(total, 1);
    $("progress").value = done;
    const pct = total ? Math.floor((done / total) * 100) : 100;
    $("progress-text").textContent = "已上传 " + human(done) + " / " + human(total) + "（" + pct + "%）";
    if (note !== undefined) $("progress-note").textContent = note;
  }

  let running = false;

  async function run() {
    if (running || !picked) return;
    running = true;
    $("resume").hidden = true;
    $("start").disabled = true;
    $("progress-box").hidden = false;
    $("result").hidden = true;
    const choice = picked;
    const key = fingerprint(choice);
    const modeInput = form.querySelector('input[name="mode"]:checked');
    try {
      let state = null;
      const known = localStorage.getItem(key);
      if (known) {
        try {
          state = await api("GET", "/api/uploads/" + known);
          if (state.finished) state = null;
        } catch (e) { state = null; }
      }
      if (!state) {
        state = await api("POST", "/api/uploads", {
          name: $("batch-name").value,
          city: $("batch-city").value,
          kind: choice.kind,
          mode: modeInput ? modeInput.value : "now",
          files: choice.files.map((f) => ({ path: f.path, size: f.file.size })),
        });
        localStorage.setItem(key, state.id);
      } else {
        $("progress-note").textContent = "找到未完成的上传，从断点继续。";
      }
      const total = state.files.reduce((s, f) => s + f.size, 0);
      const received = state.files.map((f) => f.received);
      const sum = () => received.reduce((s, n) => s + n, 0);
      setProgress(sum(), total);
      for (const f of state.files) {
        const file = choice.files[f.idx].file;
        let failures = 0;
        while (received[f.idx] < f.size) {
          const offset = received[f.idx];
          const blob = file.slice(offset, Math.min(offset + CHUNK, f.size));
          try {
            received[f.idx] = await sendChunk(state.id, f.idx, offset, blob, (loaded) =>
              setProgress(sum() + loaded, total, "正在上传 " + f.path));
            failures = 0;
            setProgress(sum(), total);
          } catch (err) {
            if (err.status && err.status < 500 && err.status !== 409) throw err;
            failures++;
            if (failures > MAX_RETRIES) {
              $("progress-note").textContent = "连接多次中断：" + err.message + "。检查网络后点击“继续上传”。";
              $("resume").hidden = false;
              running = false;
              return;
            }
            const wait = Math.min(30, 2 ** (failures - 1));
            $("progress-note").textContent = err.message + "，" + wait + " 秒后自动续传（第 " + failures + " 次）…";
            await sleep(wait * 1000);
            // Ask the server what it has: part of the lost chunk may have arrived.
            try {
              const now = await api("GET", "/api/uploads/" + state.id);
              for (const g of now.files) received[g.idx] = g.received;
            } catch (e) { /* still offline: the next try asks again */ }
          }
        }
      }
      setProgress(total, total, "上传完成，正在检查材料…");
      const done = await api("POST", "/api/uploads/" + state.id + "/finish");
      localStorage.removeItem(key);
      const box = $("result");
      box.hidden = false;
      if (done.state === "failed") {
        box.className = "alert";
        box.textContent = "批次未能受理：" + (done.message || "") + "（已上传的文件已保留）";
      } else {
        box.className = "notice";
        const intake = done.intake || {};
        box.textContent = "已受理：" + (intake.applications || 0) + " 个申报，" + (intake.files || 0) + " 个文件。" +
          (done.state === "tonight" ? "已放入夜间收件箱，今晚处理。" : "已排队处理。") + "正在打开批次页面…";
        setTimeout(() => { window.location.href = done.url; }, 1200);
      }
    } catch (err) {
      const box = $("result");
      box.hidden = false;
      box.className = "alert";
      box.textContent = "上传失败：" + err.message;
      $("start").disabled = false;
    }
    running = false;
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  $("resume").addEventListener("click", run);
})();
