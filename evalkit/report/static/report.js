/* evalkit report: filters, pagination and case details over the embedded JSON.
   Untrusted text only ever reaches the page through textContent (never innerHTML). */
(function () {
  "use strict";

  // -- metric table toggles ------------------------------------------------------
  var metricTables = document.querySelectorAll("table.metric-table");
  function toggle(id, cls, hideWhenChecked) {
    var box = document.getElementById(id);
    if (!box) return;
    var apply = function () {
      var hide = hideWhenChecked ? box.checked : !box.checked;
      for (var i = 0; i < metricTables.length; i++) metricTables[i].classList.toggle(cls, hide);
    };
    box.addEventListener("change", apply);
    apply();
  }
  toggle("show-slices", "hide-slices", false);
  toggle("show-dups", "hide-dups", false);

  // -- data ------------------------------------------------------------------------
  var source = document.getElementById("cases-data");
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var meta = data.meta, rows = data.rows, texts = data.texts || [];
  // decode what cases.py packed: status codes, slice value indices
  rows.forEach(function (row) {
    row.s = meta.codes[row.s];
    if (row.v) row.v = row.v.map(function (x, k) { return x === null ? null : meta.sliceValues[k][x]; });
    (row.c || []).forEach(function (c) { c[1] = meta.codes[c[1]]; });
  });
  var compare = meta.mode === "compare";
  var labels = meta.labels;
  var pageSize = meta.pageSize || 50;
  var SNIPPET = 300;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function option(select, value, text) {
    var node = el("option", null, text);
    node.value = value;
    select.appendChild(node);
    return node;
  }
  function snippet(text) {
    if (text === undefined || text === null) return "";
    return text.length > SNIPPET ? text.slice(0, SNIPPET) + "…" : text;
  }
  function get(row, key, index) {
    var list = row[key];
    return list ? (list[index] === undefined ? null : list[index]) : null;
  }
  // a candidate output equal to the baseline's is stored once (row["="])
  function output(row, index) {
    return index === 1 && row["="] ? get(row, "o", 0) : get(row, "o", index);
  }
  function text(index) { return index === null || index === undefined ? null : texts[index]; }
  function fmt(value, digits) {
    if (value === null || value === undefined) return "–";
    return String(Number(Number(value).toPrecision(digits || 4)));
  }
  function signed(value) {
    if (value === null || value === undefined) return "–";
    var text = String(Number(Number(value).toFixed(3)));
    return value > 0 ? "+" + text : text;
  }

  // -- filters -----------------------------------------------------------------------
  var fSuite = document.getElementById("f-suite");
  var fSlice = document.getElementById("f-slice");
  var fScorer = document.getElementById("f-scorer");
  var fStatus = document.getElementById("f-status");
  var fSearch = document.getElementById("f-search");

  if (meta.suites.length > 1) option(fSuite, "", "all");
  meta.suites.forEach(function (name, i) { option(fSuite, String(i), name); });
  meta.slices.forEach(function (key, k) {
    var group = el("optgroup");
    group.label = key;
    meta.sliceValues[k].forEach(function (value, v) {
      var node = el("option", null, key + " = " + value);
      node.value = k + ":" + v;
      group.appendChild(node);
    });
    fSlice.appendChild(group);
  });
  meta.scorers.forEach(function (name, i) { option(fScorer, String(i), name); });
  var statusChoices = compare
    ? ["pass_to_fail", "fail_to_pass", "still_failing", "still_passing", "new", "removed", "no_verdict"]
    : ["failed", "error", "passed", "no_verdict"];
  var counts = {};
  meta.statuses.forEach(function (s) { counts[s[0]] = s[2]; });
  if (compare) option(fStatus, "flip", "any flip (pass → fail or fail → pass)");
  statusChoices.forEach(function (s) {
    option(fStatus, s, labels[s] + (counts[s] !== undefined ? " (" + counts[s] + ")" : ""));
  });

  var state = { page: 0, matches: rows.map(function (_, i) { return i; }) };

  function haystack(row) {
    if (row._h === undefined) {
      var parts = [row.i, row.t];
      (row.o || []).forEach(function (x) { parts.push(x); });
      (row.e || []).forEach(function (x) { parts.push(x); });
      (row.c || []).forEach(function (c) { (c[4] || []).forEach(function (x) { parts.push(text(x)); }); });
      row._h = parts.filter(function (x) { return x; }).join("\n").toLowerCase();
    }
    return row._h;
  }

  function statusFor(row, scorer) {
    if (scorer === null) return row.s;
    var entries = row.c || [];
    for (var i = 0; i < entries.length; i++) {
      if (entries[i][0] === scorer) return entries[i][1];
    }
    return null;
  }

  function applyFilters() {
    var suite = fSuite.value === "" ? null : Number(fSuite.value);
    var slice = null;
    if (fSlice.value !== "") {
      var parts = fSlice.value.split(":");
      slice = [Number(parts[0]), meta.sliceValues[Number(parts[0])][Number(parts[1])]];
    }
    var scorer = fScorer.value === "" ? null : Number(fScorer.value);
    var status = fStatus.value;
    var needle = fSearch.value.trim().toLowerCase();
    var found = [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (suite !== null && (row.u || 0) !== suite) continue;
      if (slice !== null && get(row, "v", slice[0]) !== slice[1]) continue;
      var st = statusFor(row, scorer);
      if (st === null) continue;  // the chosen scorer did not score this case
      if (status === "flip" ? (st !== "pass_to_fail" && st !== "fail_to_pass")
          : (status !== "" && st !== status)) continue;
      if (needle && haystack(row).indexOf(needle) < 0) continue;
      found.push(i);
    }
    state.matches = found;
    state.page = 0;
    render();
  }

  var timer = null;
  fSearch.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(applyFilters, 150);
  });
  [fSuite, fSlice, fScorer, fStatus].forEach(function (s) { s.addEventListener("change", applyFilters); });

  // -- word diff (LCS over word and whitespace tokens; as word_diff.py) ---------------
  var MAX_CELLS = 4000000;
  function tokens(text) { return (text || "").match(/\s+|\S+/g) || []; }
  function wordDiff(a, b) {
    var x = tokens(a), y = tokens(b), ops = [];
    var start = 0;
    while (start < x.length && start < y.length && x[start] === y[start]) start++;
    var endX = x.length, endY = y.length;
    while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) { endX--; endY--; }
    if (start > 0) ops.push(["=", x.slice(0, start).join("")]);
    var n = endX - start, m = endY - start;
    var middle = [];
    if (n * m > MAX_CELLS) {
      if (n) middle.push(["-", x.slice(start, endX).join("")]);
      if (m) middle.push(["+", y.slice(start, endY).join("")]);
    } else if (n || m) {
      var width = m + 1, table = new Uint32Array((n + 1) * width);
      for (var i = n - 1; i >= 0; i--) {
        for (var j = m - 1; j >= 0; j--) {
          table[i * width + j] = x[start + i] === y[start + j]
            ? table[(i + 1) * width + j + 1] + 1
            : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
        }
      }
      var p = 0, q = 0;
      while (p < n || q < m) {
        if (p < n && q < m && x[start + p] === y[start + q]) { middle.push(["=", x[start + p]]); p++; q++; }
        else if (q < m && (p === n || table[p * width + q + 1] >= table[(p + 1) * width + q])) { middle.push(["+", y[start + q]]); q++; }
        else { middle.push(["-", x[start + p]]); p++; }
      }
    }
    middle.forEach(function (op) {
      var last = ops[ops.length - 1];
      if (last && last[0] === op[0]) last[1] += op[1]; else ops.push(op);
    });
    if (endX < x.length) ops.push(["=", x.slice(endX).join("")]);
    return ops;
  }
  function diffInto(left, right, a, b) {
    wordDiff(a, b).forEach(function (op) {
      if (op[0] === "=") {
        left.appendChild(document.createTextNode(op[1]));
        right.appendChild(document.createTextNode(op[1]));
      } else if (op[0] === "-") {
        left.appendChild(el("del", null, op[1]));
      } else {
        right.appendChild(el("ins", null, op[1]));
      }
    });
  }

  // -- rendering ---------------------------------------------------------------------
  var body = document.getElementById("case-rows");
  var columns = compare ? 6 : 5;

  function badge(status) { return el("span", "badge s-" + status, labels[status] || status); }

  function sliceText(row) {
    return meta.slices.map(function (key, k) {
      var value = get(row, "v", k);
      return value === null ? null : key + "=" + value;
    }).filter(function (x) { return x; }).join(", ");
  }

  function outputCell(row, index) {
    var td = el("td");
    var error = get(row, "e", index), said = output(row, index);
    if (error) td.appendChild(el("div", "err", snippet(error)));
    if (said !== null) td.appendChild(el("div", "snip pre", snippet(said)));
    else if (!error) td.appendChild(el("span", "muted", compare && row.s === (index ? "removed" : "new") ? "(not in this run)" : "(no output)"));
    return td;
  }

  function caseRow(row, index) {
    var tr = el("tr", "case");
    tr.dataset.index = String(index);
    tr.tabIndex = 0;
    var id = el("td", "mono");
    id.appendChild(el("span", "cid", row.i));
    if (row.n) id.appendChild(el("span", "muted", " sample " + row.n));
    if (row.w) { id.appendChild(document.createTextNode(" ")); id.appendChild(el("span", "badge waived", "waived")); }
    tr.appendChild(id);
    var status = el("td");
    status.appendChild(badge(row.s));
    tr.appendChild(status);
    tr.appendChild(el("td", null, sliceText(row)));
    if (compare) {
      tr.appendChild(outputCell(row, 0));
      tr.appendChild(outputCell(row, 1));
      tr.appendChild(el("td", "num", signed(row.d)));
    } else {
      tr.appendChild(outputCell(row, 0));
      var failing = (row.c || []).filter(function (c) { return c[1] === "failed"; })
        .map(function (c) { return meta.scorers[c[0]]; });
      tr.appendChild(el("td", null, failing.join(", ")));
    }
    return tr;
  }

  function detailRow(row) {
    var tr = el("tr", "detail"), td = el("td");
    td.colSpan = columns;
    if (row.t !== undefined && row.t !== null) {
      var target = el("p", "target");
      target.appendChild(el("strong", null, "target "));
      target.appendChild(el("span", "pre", row.t));
      td.appendChild(target);
    }
    var side = el("div", compare ? "side" : "side one");
    var boxes = meta.runs.map(function (name, index) {
      var box = el("div");
      box.appendChild(el("h4", null, name));
      var error = get(row, "e", index);
      if (error) box.appendChild(el("p", "err", error));
      var facts = [];
      if (get(row, "l", index) !== null) facts.push("latency " + fmt(get(row, "l", index), 3) + " s");
      if (get(row, "k", index) !== null) facts.push(get(row, "k", index) + " output tokens");
      if (get(row, "$", index) !== null) facts.push("$" + fmt(get(row, "$", index), 3));
      if (facts.length) box.appendChild(el("p", "muted", facts.join(" · ")));
      var out = el("div", "pre out");
      box.appendChild(out);
      side.appendChild(box);
      return out;
    });
    if (compare) {
      diffInto(boxes[0], boxes[1], output(row, 0), output(row, 1));
    } else {
      boxes[0].textContent = output(row, 0) || "";
    }
    td.appendChild(side);
    var entries = row.c || [];
    if (entries.length) {
      var table = el("table", "data scores"), head = el("tr");
      ["scorer", compare ? "transition" : "status"].concat(meta.runs).forEach(function (h) { head.appendChild(el("th", null, h)); });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      entries.forEach(function (c) {
        var line = el("tr");
        line.appendChild(el("td", null, meta.scorers[c[0]]));
        var st = el("td");
        st.appendChild(badge(c[1]));
        line.appendChild(st);
        meta.runs.forEach(function (_, index) {
          var cell = el("td"), passed = c[3][index];
          var value = c[2] ? c[2][index] : null, why = text(c[4][index]);
          cell.appendChild(passed === null ? el("span", "muted", "–")
            : el("span", passed ? "ok-text" : "bad-text", passed ? "pass" : "fail"));
          if (value !== null) cell.appendChild(el("span", "muted", " (" + fmt(value) + ")"));
          if (why) cell.appendChild(el("div", "expl", why));
          line.appendChild(cell);
        });
        tbody.appendChild(line);
      });
      table.appendChild(tbody);
      td.appendChild(table);
    }
    tr.appendChild(td);
    return tr;
  }

  function toggleDetail(tr) {
    var next = tr.nextSibling;
    if (next && next.classList && next.classList.contains("detail")) {
      next.parentNode.removeChild(next);
      tr.classList.remove("open");
      return;
    }
    var row = rows[Number(tr.dataset.index)];
    tr.parentNode.insertBefore(detailRow(row), tr.nextSibling);
    tr.classList.add("open");
  }
  body.addEventListener("click", function (event) {
    var tr = event.target.closest("tr.case");
    if (tr && !window.getSelection().toString()) toggleDetail(tr);
  });
  body.addEventListener("keydown", function (event) {
    var tr = event.target.closest("tr.case");
    if (tr && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); toggleDetail(tr); }
  });

  function pager(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    var total = state.matches.length, pages = Math.max(1, Math.ceil(total / pageSize));
    var first = total ? state.page * pageSize + 1 : 0;
    var last = Math.min(total, (state.page + 1) * pageSize);
    function button(text, page, disabled, cls) {
      var b = el("button", cls, text);
      b.type = "button";
      b.disabled = disabled;
      b.addEventListener("click", function () { state.page = page; render(); });
      node.appendChild(b);
    }
    button("« first", 0, state.page === 0, "first");
    button("‹ prev", state.page - 1, state.page === 0, "prev");
    node.appendChild(el("span", "page-info", "page " + (state.page + 1) + " of " + pages));
    button("next ›", state.page + 1, state.page >= pages - 1, "next");
    button("last »", pages - 1, state.page >= pages - 1, "last");
    node.appendChild(el("span", "shown", first + "–" + last + " of " + total +
      (total !== rows.length ? " (filtered from " + rows.length + ")" : "")));
  }

  function render() {
    while (body.firstChild) body.removeChild(body.firstChild);
    var start = state.page * pageSize;
    var slice = state.matches.slice(start, start + pageSize);
    if (!slice.length) {
      var empty = el("tr"), td = el("td", "muted", "No case matches the filters.");
      td.colSpan = columns;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    var fragment = document.createDocumentFragment();
    slice.forEach(function (index) { fragment.appendChild(caseRow(rows[index], index)); });
    body.appendChild(fragment);
    pager(document.getElementById("pager-top"));
    pager(document.getElementById("pager-bottom"));
    document.getElementById("case-table").dataset.matches = String(state.matches.length);
  }

  render();
})();
