// evalkit review page: renders the outputs to rate from the JSON blob (textContent only: no
// markup from the data is ever parsed), keeps ratings in localStorage, exports them as JSON.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var storeKey = "evalkit-review:" + data.reviewId;
  var state = load();

  function load() {
    var empty = {reviewer: "", ratings: {}, comments: {}, decisions: {}, times: {}};
    try {
      var saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      if (saved && typeof saved === "object") {
        for (var k in empty) { if (!(k in saved)) { saved[k] = empty[k]; } }
        return saved;
      }
    } catch (e) { /* storage off or damaged: start empty */ }
    return empty;
  }

  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* off */ }
    progress();
  }

  function now() { return new Date().toISOString().replace(/\.\d+Z$/, "Z"); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function ratingKey(item, side, rubric) { return item.key + "|" + side + "|" + rubric; }

  function ratingControl(item, output, rubric, index) {
    var box = el("fieldset", "rating");
    box.appendChild(el("legend", null, rubric.name));
    var values = [];
    if (rubric.scale === "pass/fail") {
      values = [[1, "pass"], [0, "fail"]];
    } else {
      for (var v = rubric.low; v <= rubric.high; v++) { values.push([v, String(v)]); }
    }
    var key = ratingKey(item, output.side, rubric.name);
    values.forEach(function (pair) {
      var label = el("label");
      var input = el("input");
      input.type = "radio";
      input.name = "r-" + item.key + "-" + index + "-" + rubric.name;
      input.value = String(pair[0]);
      input.dataset.rubric = rubric.name;
      input.checked = state.ratings[key] === pair[0];
      input.addEventListener("change", function () {
        state.ratings[key] = pair[0];
        state.times[key] = now();
        save();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + pair[1]));
      box.appendChild(label);
    });
    return box;
  }

  function outputBox(item, output, index) {
    var box = el("div", "output");
    var title = output.side ? "Output " + output.side : "Output";
    if (output.role) { title += " (" + output.role + ")"; }
    box.appendChild(el("h4", null, title));
    if (output.error !== null) { box.appendChild(el("pre", "error", "error: " + output.error)); }
    if (output.text !== null) { box.appendChild(el("pre", "text", output.text)); }
    data.rubrics.forEach(function (rubric) { box.appendChild(ratingControl(item, output, rubric, index)); });
    if (data.rubrics.length) {
      var comment = el("textarea", "comment");
      comment.rows = 2;
      comment.placeholder = "comment (optional)";
      comment.setAttribute("aria-label", "comment on " + title);
      var ckey = item.key + "|" + output.side;
      comment.value = state.comments[ckey] || "";
      comment.addEventListener("input", function () { state.comments[ckey] = comment.value; save(); });
      box.appendChild(comment);
    }
    return box;
  }

  function adjudication(item) {
    var box = el("div", "adjudicate");
    var label = el("label", null, "This flip is ");
    var select = el("select", "decision");
    select.appendChild(el("option", null, "(not adjudicated)")).value = "";
    data.decisions.forEach(function (d) { select.appendChild(el("option", null, d.label)).value = d.value; });
    var current = state.decisions[item.key] || {decision: "", reason: ""};
    select.value = current.decision;
    var reason = el("input");
    reason.type = "text";
    reason.className = "reason";
    reason.placeholder = "reason (e.g. a ticket)";
    reason.value = current.reason;
    function update() {
      state.decisions[item.key] = {decision: select.value, reason: reason.value, at: now()};
      save();
    }
    select.addEventListener("change", update);
    reason.addEventListener("input", update);
    label.appendChild(select);
    box.appendChild(label);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(reason);
    return box;
  }

  function render() {
    var root = document.getElementById("items");
    data.items.forEach(function (item) {
      var card = el("article", "item");
      card.dataset.key = String(item.key);
      var head = el("h3", null, item.case);
      if (item.sample) { head.appendChild(el("span", "meta", "sample " + item.sample)); }
      if (item.statusLabel) { head.appendChild(el("span", "meta status", item.statusLabel)); }
      if (item.slice !== null) { head.appendChild(el("span", "meta", item.slice)); }
      card.appendChild(head);
      card.appendChild(el("div", "input", item.input));
      if (item.target !== null) { card.appendChild(el("div", "target", "reference: " + item.target)); }
      if (item.scores.length) {
        card.appendChild(el("div", "scores", item.scores.map(function (s) {
          return s.scorer + ": " + (s.passed === null ? "no verdict" : s.passed ? "pass" : "fail");
        }).join(" · ")));
      }
      var outputs = el("div", "outputs");
      item.outputs.forEach(function (output, index) { outputs.appendChild(outputBox(item, output, index)); });
      card.appendChild(outputs);
      if (item.flip && data.decisions.length) { card.appendChild(adjudication(item)); }
      root.appendChild(card);
    });
  }

  function exported() {
    var ratings = [], decisions = [];
    data.items.forEach(function (item) {
      item.outputs.forEach(function (output) {
        data.rubrics.forEach(function (rubric) {
          var key = ratingKey(item, output.side, rubric.name);
          if (!(key in state.ratings)) { return; }
          ratings.push({run_id: output.run, case_ref: item.ref, case_id: item.case, sample: item.sample,
                        rubric: rubric.name, score: state.ratings[key],
                        comment: state.comments[item.key + "|" + output.side] || "",
                        rated_at: state.times[key] || null});
        });
      });
      var d = state.decisions[item.key];
      if (item.flip && d && d.decision) {
        decisions.push({case_ref: item.ref, case_id: item.case, sample: item.sample,
                        candidate_run: data.candidate.run_id, baseline_run: data.baseline.run_id,
                        decision: d.decision, reason: d.reason || "", decided_at: d.at || null});
      }
    });
    return {evalkit_review: data.format, review_id: data.reviewId, suite: data.suite,
            reviewer: state.reviewer.trim(), exported_at: now(), blind: data.blind,
            candidate_run: data.candidate.run_id,
            baseline_run: data.baseline ? data.baseline.run_id : null,
            rubrics: data.rubrics, ratings: ratings, adjudications: decisions};
  }

  function progress() {
    var wanted = 0, done = 0;
    data.items.forEach(function (item) {
      var complete = true;
      item.outputs.forEach(function (output) {
        data.rubrics.forEach(function (rubric) {
          wanted += 1;
          if (ratingKey(item, output.side, rubric.name) in state.ratings) { done += 1; } else { complete = false; }
        });
      });
      var card = document.querySelector('article.item[data-key="' + item.key + '"]');
      if (card) { card.classList.toggle("rated", complete && wanted > 0); }
    });
    document.getElementById("progress").textContent = done + " of " + wanted + " ratings given";
  }

  function ready() {
    var status = document.getElementById("export-status");
    if (!state.reviewer.trim()) {
      status.textContent = "Enter your name first: the ratings are stored under it.";
      document.getElementById("reviewer").focus();
      return null;
    }
    var text = JSON.stringify(exported(), null, 1);
    document.getElementById("export-text").value = text;
    return text;
  }

  function fileName() {
    var who = state.reviewer.trim().replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 40) || "reviewer";
    return "review-" + data.reviewId + "-" + who + ".json";
  }

  var name = document.getElementById("reviewer");
  name.value = state.reviewer;
  name.addEventListener("input", function () { state.reviewer = name.value; save(); });
  document.getElementById("download").addEventListener("click", function () {
    var text = ready();
    if (text === null) { return; }
    var url = URL.createObjectURL(new Blob([text], {type: "application/json"}));
    var link = el("a");
    link.href = url;
    link.download = fileName();
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    document.getElementById("export-status").textContent = "Downloaded " + fileName();
  });
  document.getElementById("copy").addEventListener("click", function () {
    var text = ready();
    if (text === null) { return; }
    var status = document.getElementById("export-status");
    var box = document.getElementById("export-text");
    box.focus();
    box.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { status.textContent = "Copied."; },
        function () { status.textContent = "Select the text below and copy it."; });
    } else {
      status.textContent = "Select the text below and copy it.";
    }
  });
  render();
  progress();
})();
