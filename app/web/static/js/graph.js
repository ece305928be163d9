/* Ringscope interactive graphs (ring page and entity page). Vanilla JS + Cytoscape.js.
   Data comes from the JSON API; the Cytoscape instance is window.cy (tests query it). */
(function () {
  "use strict";
  var S = window.RingscopeGraphStyle;
  var PAGE = 25;
  var BIG = 600;

  function $(id) { return document.getElementById(id); }
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmtTime(epoch) {
    if (epoch == null) return "";
    return new Date(epoch * 1000).toISOString().slice(0, 16).replace("T", " ");
  }
  function fmtInt(n) { return n == null ? "" : Number(n).toLocaleString("en-US"); }
  function status(text) { var el = $("graph-status"); if (el) el.textContent = text; }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          var msg = r.status === 503 ? "The database is unavailable (503)." : (body.detail || ("HTTP " + r.status));
          throw new Error(msg);
        });
      }
      return r.json();
    });
  }
  function entityUrl(kind, key) {
    return "/entity/" + encodeURIComponent(kind) + "/" + encodeURIComponent(key);
  }
  function download(blob, filename) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /* ---- graph instance ------------------------------------------------------------------- */

  function makeCy(container, elements) {
    var big = elements.length > BIG * 2;
    var cy = cytoscape({
      container: container,
      elements: elements,
      style: S.style,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      motionBlur: false,
      pixelRatio: big ? 1 : "auto"
    });
    window.cy = cy;
    return cy;
  }

  function runLayout(cy, name, eles) {
    var target = eles || cy.elements();
    var opts = S.layoutOptions(name, cy.nodes().length, true);
    opts.fit = true;
    opts.padding = 30;
    var layout = target.layout(opts);
    var done = new Promise(function (resolve) {
      layout.one("layoutstop", function () {
        /* A handful of nodes would otherwise be fitted at maximum zoom. */
        if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }
        resolve();
      });
    });
    layout.run();
    return done;
  }

  /* ---- selection panel, highlight, expand ---------------------------------------------- */

  var PROP_ORDER = ["description", "accounts", "method", "bin", "issuer_country", "kind", "asn", "as_org",
    "user_agent", "sample", "extraction", "request_count", "labels", "declared", "country", "org",
    "email_domain", "output_tokens", "input_tokens", "ip_count", "device_count", "payment_count",
    "cluster_count", "created_at", "first_request", "last_request", "degree"];
  var TIME_PROPS = { created_at: 1, first_request: 1, last_request: 1 };

  var SECRET_PROPS = { email_hash: 1, email_domain: 1, org: 1 };

  function showNode(ctx, node) {
    var data = node.data();
    if (data.kind === "Account" && !ctx.viewer && !data.profileLoaded && !Object.keys(data.props || {}).length) {
      /* The ring graph carries ids only; a member's profile loads when it is opened. */
      data.profileLoaded = true;
      getJSON("/api/entities/Account/" + encodeURIComponent(data.key)).then(function (entity) {
        var props = entity.props || {};
        delete props.account_id;
        node.data("props", props);
        if (ctx.selected === node) showNode(ctx, node);
      }).catch(function () { /* the panel keeps what it has */ });
    }
    $("node-empty").hidden = true;
    $("node-details").hidden = false;
    $("node-kind").textContent = (ctx.kindTitles[data.kind] || data.kind);
    $("node-key").textContent = data.kind === "AccountGroup" ? data.label
      : (data.kind === "Account" && ctx.redact ? ctx.pseudonym(data.key) : data.key);
    var props = Object.assign({}, data.props || {});
    if (data.degree) props.degree = data.degree;
    var keys = Object.keys(props).sort(function (a, b) {
      var ia = PROP_ORDER.indexOf(a), ib = PROP_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    });
    var html = "";
    keys.forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === "") return;
      if (ctx.redact && SECRET_PROPS[k]) return;
      if (TIME_PROPS[k] && typeof v === "number") v = fmtTime(v) + " UTC";
      else if (typeof v === "number") v = fmtInt(v);
      html += "<dt>" + esc(k.replace(/_/g, " ")) + "</dt><dd>" + esc(v) + "</dd>";
    });
    var edges = node.connectedEdges();
    html += "<dt>links shown</dt><dd>" + edges.length + "</dd>";
    $("node-props").innerHTML = html;
    var expandable = ["Account", "PaymentMethod", "IP", "Device", "PromptCluster", "Operator"].indexOf(data.kind) >= 0;
    $("expand-btn").hidden = !expandable;
    $("open-btn").hidden = !expandable;
    if (expandable) $("open-btn").href = entityUrl(data.kind, data.key);
    var groupBox = $("group-accounts");
    groupBox.innerHTML = "";
    if (data.kind === "AccountGroup" && data.accounts) {
      var shown = data.accounts.slice(0, 200);
      groupBox.innerHTML = "<h3>Accounts in this group</h3>" + shown.map(function (a) {
        return ctx.redact ? "<span class='chip mono'>" + esc(ctx.pseudonym(a)) + "</span>"
          : "<a class='chip mono' href='" + entityUrl("Account", a) + "'>" + esc(a) + "</a>";
      }).join(" ") + (data.accounts.length > shown.length ? "<p class='muted small'>… and " + (data.accounts.length - shown.length) + " more</p>" : "");
    }
  }

  function highlight(cy, node) {
    cy.batch(function () {
      cy.elements().removeClass("highlight").addClass("faded");
      node.closedNeighborhood().removeClass("faded").addClass("highlight");
    });
  }
  function clearHighlight(cy) {
    cy.batch(function () { cy.elements().removeClass("faded highlight"); });
  }

  function addNeighbours(ctx, node, page) {
    var cy = ctx.cy;
    var center = node.position();
    var added = cy.collection();
    var sourceId = node.id();
    cy.batch(function () {
      page.neighbours.forEach(function (n, i) {
        var id = n.kind + ":" + n.key;
        var existing = cy.getElementById(id);
        if (existing.empty()) {
          var angle = 2 * Math.PI * (i + (page.skip || 0)) / Math.max(8, page.neighbours.length + (page.skip || 0));
          var radius = 90 + 6 * Math.sqrt(page.neighbours.length + (page.skip || 0));
          existing = cy.add({ group: "nodes",
            data: { id: id, kind: n.kind, key: n.key, label: S.label ? S.label(n) : shortLabel(n), props: n.props || {}, member: false },
            classes: n.kind + (n.kind === "Account" && ctx.mode === "ring" ? " outsider" : ""),
            position: { x: center.x + radius * Math.cos(angle), y: center.y + radius * Math.sin(angle) } });
          added = added.union(existing);
        }
        var src = n.outgoing ? sourceId : id;
        var dst = n.outgoing ? id : sourceId;
        var eid = src + "|" + n.rel + "|" + dst;
        if (cy.getElementById(eid).empty()) {
          added = added.union(cy.add({ group: "edges", classes: n.rel,
            data: { id: eid, source: src, target: dst, rel: n.rel, count: n.count || 0,
                    first_seen: n.first_seen, last_seen: n.last_seen, accounts: 1, confidence: n.confidence } }));
        }
      });
      var moreId = "More:" + sourceId;
      cy.getElementById(moreId).remove();
      if (page.remaining > 0) {
        added = added.union(cy.add([
          { group: "nodes", classes: "More",
            data: { id: moreId, kind: "More", key: sourceId, label: "+" + fmtInt(page.remaining) + " more",
                    forNode: sourceId, nextSkip: page.skip + page.neighbours.length },
            position: { x: center.x + 40, y: center.y - 60 } },
          { group: "edges", data: { id: moreId + "|edge", source: sourceId, target: moreId, accounts: 1 } }
        ]));
      }
      node.addClass("expanded");
    });
    applyTypeFilter(ctx);
    return added;
  }

  function shortLabel(n) {
    var text = n.kind === "PromptCluster" && n.props && n.props.sample ? n.props.sample : n.key;
    text = ctxPseudonym(n.kind, text);
    return text.length > 28 ? text.slice(0, 27) + "…" : text;
  }
  var activeCtx = null;
  function ctxPseudonym(kind, key) {
    return kind === "Account" && activeCtx && activeCtx.redact ? activeCtx.pseudonym(key) : key;
  }

  function expand(ctx, node, skip) {
    var data = node.data();
    status("Loading neighbours of " + data.key + "…");
    var url = "/api/entities/" + encodeURIComponent(data.kind) + "/" + encodeURIComponent(data.key) +
      "/neighbours?skip=" + (skip || 0) + "&limit=" + PAGE;
    return getJSON(url).then(function (page) {
      var added = addNeighbours(ctx, node, page);
      status("Added " + added.nodes().length + " nodes next to " + data.key +
        (page.remaining > 0 ? " (" + fmtInt(page.remaining) + " more: click the “more” node)" : "") + ".");
      updateLegend(ctx);
      return page;
    }).catch(function (err) { status("Could not expand: " + err.message); });
  }

  /* ---- filters: node types and time ------------------------------------------------------ */

  function buildTypeToggles(ctx) {
    var box = $("type-toggles");
    box.querySelectorAll("label").forEach(function (l) { l.remove(); });
    ctx.hiddenKinds = ctx.hiddenKinds || {};
    Object.keys(S.kinds).forEach(function (kind) {
      if (kind === "More") return;
      var count = ctx.cy.nodes("." + kind).length;
      if (!count) return;
      var label = document.createElement("label");
      label.className = "type";
      label.innerHTML = "<input type='checkbox' data-kind='" + kind + "' " + (ctx.hiddenKinds[kind] ? "" : "checked") + ">" +
        "<span class='swatch' style='background:" + S.kinds[kind].color + "'></span>" + esc(S.kinds[kind].title) +
        " <span class='muted'>" + count + "</span>";
      box.appendChild(label);
    });
    box.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", function () {
        ctx.hiddenKinds[input.dataset.kind] = !input.checked;
        applyTypeFilter(ctx);
      });
    });
  }

  function applyTypeFilter(ctx) {
    var cy = ctx.cy;
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        n.toggleClass("type-hidden", !!(ctx.hiddenKinds && ctx.hiddenKinds[n.data("kind")]));
      });
    });
    updateLegend(ctx);
  }

  function setupTime(ctx) {
    var lo = null, hi = null;
    ctx.cy.edges().forEach(function (e) {
      var f = e.data("first_seen"), l = e.data("last_seen");
      if (f != null && (lo === null || f < lo)) lo = f;
      if (l != null && (hi === null || l > hi)) hi = l;
    });
    var box = $("time-filter");
    if (lo === null || hi === null || hi <= lo) { box.hidden = true; return; }
    box.hidden = false;
    var from = $("time-from"), to = $("time-to");
    from.value = 0; to.value = 1000;
    function at(v) { return lo + (hi - lo) * v / 1000; }
    function apply() {
      if (+from.value > +to.value) { var t = from.value; from.value = to.value; to.value = t; }
      var a = at(+from.value), b = at(+to.value);
      $("time-label").textContent = fmtTime(a) + " → " + fmtTime(b);
      var cy = ctx.cy;
      cy.batch(function () {
        cy.edges().forEach(function (e) {
          var f = e.data("first_seen"), l = e.data("last_seen");
          var hide = f != null && l != null && (l < a || f > b);
          e.toggleClass("time-hidden", hide);
        });
        /* Shared nodes with no link active in the window are hidden too. */
        cy.nodes().forEach(function (n) {
          var k = n.data("kind");
          if (k === "Account" || k === "AccountGroup" || k === "Operator" || k === "More") return;
          var edges = n.connectedEdges();
          var active = edges.filter(function (e) { return !e.hasClass("time-hidden"); });
          n.toggleClass("time-hidden", edges.length > 0 && active.length === 0);
        });
      });
      updateLegend(ctx);
    }
    from.oninput = apply;
    to.oninput = apply;
    ctx.applyTime = apply;
    apply();
  }

  function updateLegend(ctx) {
    var cy = ctx.cy;
    var visible = cy.nodes().filter(function (n) { return n.visible(); }).length;
    var el = $("graph-legend");
    if (el) el.textContent = visible + " of " + cy.nodes().length + " nodes visible · " + cy.edges().length + " links";
  }

  /* ---- wiring ---------------------------------------------------------------------------- */

  function wire(ctx) {
    var cy = ctx.cy;
    cy.on("tap", "node", function (evt) {
      var node = evt.target;
      if (node.data("kind") === "More") {
        var owner = cy.getElementById(node.data("forNode"));
        expand(ctx, owner, node.data("nextSkip"));
        return;
      }
      ctx.selected = node;
      showNode(ctx, node);
      highlight(cy, node);
    });
    cy.on("dbltap", "node", function (evt) {
      var node = evt.target;
      if (!ctx.viewer && ["AccountGroup", "More"].indexOf(node.data("kind")) < 0) expand(ctx, node, 0);
    });
    cy.on("tap", function (evt) { if (evt.target === cy) clearHighlight(cy); });
    $("expand-btn").onclick = function () { if (ctx.selected) expand(ctx, ctx.selected, 0); };
    $("fit-btn").onclick = function () { cy.fit(cy.elements(":visible"), 30); };
    $("clear-btn").onclick = function () { clearHighlight(cy); cy.elements().unselect(); };
    $("layout-select").onchange = function () {
      status("Running layout…");
      runLayout(cy, $("layout-select").value).then(function () { status("Layout done."); });
    };
  }

  function load(ctx, elements, info) {
    var container = $(ctx.canvasId);
    if (ctx.cy) ctx.cy.destroy();
    ctx.cy = makeCy(container, elements);
    activeCtx = ctx;
    wire(ctx);
    buildTypeToggles(ctx);
    applyTypeFilter(ctx);
    setupTime(ctx);
    if (ctx.redact) relabel(ctx, true);
    var started = performance.now();
    status("Laying out " + ctx.cy.nodes().length + " nodes…");
    return runLayout(ctx.cy, $("layout-select").value).then(function () {
      container.removeAttribute("data-loading");
      container.setAttribute("data-ready", "1");
      status(info + " Layout " + Math.round(performance.now() - started) + " ms.");
      updateLegend(ctx);
    });
  }

  /* ---- redaction of the picture (same numbering as the server's Redactor) --------------- */

  function relabel(ctx, on) {
    ctx.cy.nodes(".Account").forEach(function (n) {
      var key = n.data("key");
      var text = on ? ctx.pseudonym(key) : key;
      n.data("label", text.length > 28 ? text.slice(0, 27) + "…" : text);
    });
  }

  /* ---- ring page ------------------------------------------------------------------------- */

  function initRing(opts) {
    var ctx = { mode: "ring", ringId: opts.ringId, runId: opts.runId, kindTitles: opts.kindTitles, canvasId: "cy",
                redact: false, accounts: {}, viewer: !!opts.viewer };
    /* Viewers get pseudonyms from the server and may not open entity pages or expand nodes. */
    if (ctx.viewer) { $("expand-btn").hidden = true; $("open-btn").hidden = true; }
    ctx.pseudonym = function (id) { return ctx.accounts[id] || "acct-?"; };
    var base = "/api/rings/" + encodeURIComponent(ctx.ringId);
    var runQ = "run=" + encodeURIComponent(ctx.runId);

    function loadGraph() {
      if (typeof cytoscape === "undefined") { status("Graph scripts are not installed."); return; }
      status("Loading graph…");
      var mode = $("collapse-select").value;
      var t0 = performance.now();
      return getJSON(base + "/graph?" + runQ + "&collapse=" + mode).then(function (g) {
        ctx.accounts = {};
        g.accounts.forEach(function (a, i) { ctx.accounts[a] = "acct-" + (i + 1); });
        ctx.hiddenKinds = {};
        var info = g.elements.filter(function (e) { return e.group === "nodes"; }).length + " nodes" +
          (g.collapsed ? " (accounts with identical attachments grouped)" : "") +
          ", data " + Math.round(performance.now() - t0) + " ms.";
        return load(ctx, g.elements, info);
      }).catch(function (err) { status("Could not load the graph: " + err.message); });
    }
    $("collapse-select").onchange = loadGraph;

    /* Exports */
    var redactToggle = $("redact-toggle") || { checked: false, addEventListener: function () {} };
    function exportHref(fmt) {
      return base + "/export/" + fmt + "?" + runQ + (redactToggle.checked ? "&redact=true" : "");
    }
    document.querySelectorAll("a.export").forEach(function (a) {
      a.addEventListener("click", function () { a.href = exportHref(a.dataset.format); });
      a.href = exportHref(a.dataset.format);
      a.setAttribute("download", "");
    });
    redactToggle.addEventListener("change", function () {
      ctx.redact = redactToggle.checked;
      document.querySelectorAll("a.export").forEach(function (a) { a.href = exportHref(a.dataset.format); });
      if (ctx.cy) relabel(ctx, ctx.redact);
      renderMembers();
    });
    function stem() {
      return ("ring-" + ctx.ringId + "-" + ctx.runId + (ctx.redact ? "-redacted" : "")).replace(/[^A-Za-z0-9._-]+/g, "_");
    }
    if ($("export-png")) $("export-png").onclick = function () {
      if (!ctx.cy) return;
      var blob = ctx.cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff", maxWidth: 4000, maxHeight: 4000 });
      download(blob, stem() + ".png");
    };
    if ($("export-svg")) $("export-svg").onclick = function () {
      if (!ctx.cy) return;
      var svg = ctx.cy.svg({ full: true, bg: "#ffffff", scale: 1 });
      download(new Blob([svg], { type: "image/svg+xml" }), stem() + ".svg");
    };

    /* Members table: client-side filter / sort / paging over the API's member list. */
    var members = [], sortKey = "account_id", sortDir = 1, page = 1, per = 50;
    function memberId(m) { return ctx.redact ? ctx.pseudonym(m.account_id) : m.account_id; }
    function renderMembers() {
      var filter = ($("member-filter").value || "").toLowerCase();
      var rows = members.filter(function (m) {
        if (!filter) return true;
        return [memberId(m), ctx.redact ? "" : m.email_domain, m.country, ctx.redact ? "" : m.org,
                (m.labels || []).map(function (l) { return l.operator; }).join(" ")]
          .join(" ").toLowerCase().indexOf(filter) >= 0;
      });
      rows.sort(function (a, b) {
        var x = sortKey === "labels" ? (a.labels || []).length : a[sortKey];
        var y = sortKey === "labels" ? (b.labels || []).length : b[sortKey];
        if (sortKey === "account_id") { x = memberId(a); y = memberId(b); }
        if (x == null) return 1; if (y == null) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
      });
      var pages = Math.max(1, Math.ceil(rows.length / per));
      page = Math.min(page, pages);
      var slice = rows.slice((page - 1) * per, page * per);
      var tbody = document.querySelector("#members-table tbody");
      tbody.innerHTML = slice.length ? slice.map(function (m) {
        var id = memberId(m);
        var idCell = (ctx.redact || ctx.viewer) ? "<span class='mono'>" + esc(id) + "</span>"
          : "<a class='mono' href='" + entityUrl("Account", m.account_id) + "'>" + esc(id) + "</a>";
        return "<tr><td>" + idCell + "</td><td>" + esc(fmtTime(m.created_at)) + "</td><td>" + esc(m.country || "") +
          "</td><td>" + esc(ctx.redact ? (m.email_domain ? "(redacted)" : "") : (m.email_domain || "")) +
          "</td><td class='num'>" + fmtInt(m.request_count) + "</td><td class='num'>" + fmtInt(m.output_tokens) +
          "</td><td class='num'>" + m.ip_count + "</td><td class='num'>" + m.device_count +
          "</td><td class='num'>" + m.payment_count + "</td><td class='num'>" + m.cluster_count + "</td><td>" +
          (m.labels || []).map(function (l) {
            return "<span class='badge flagged'>" + esc(l.operator) + " " + Number(l.confidence || 0).toFixed(2) + "</span>";
          }).join(" ") + "</td></tr>";
      }).join("") : "<tr><td colspan='11' class='empty'>No members match.</td></tr>";
      $("members-count").textContent = "(" + fmtInt(rows.length) + (rows.length !== members.length ? " of " + fmtInt(members.length) : "") + ")";
      var pager = $("members-pager");
      pager.innerHTML = "<div>Page " + page + " of " + pages + "</div><div class='btn-row'>" +
        "<button class='btn small' type='button' data-p='" + (page - 1) + "' " + (page <= 1 ? "disabled" : "") + ">‹ Prev</button>" +
        "<button class='btn small' type='button' data-p='" + (page + 1) + "' " + (page >= pages ? "disabled" : "") + ">Next ›</button></div>";
      pager.querySelectorAll("button").forEach(function (b) {
        b.onclick = function () { page = +b.dataset.p; renderMembers(); };
      });
    }
    document.querySelectorAll("#members-table th").forEach(function (th) {
      th.style.cursor = "pointer";
      th.onclick = function () {
        var key = th.dataset.key;
        sortDir = key === sortKey ? -sortDir : (th.classList.contains("num") ? -1 : 1);
        sortKey = key;
        document.querySelectorAll("#members-table th").forEach(function (h) { h.classList.remove("sorted"); });
        th.classList.add("sorted");
        renderMembers();
      };
    });
    $("member-filter").oninput = function () { page = 1; renderMembers(); };
    getJSON(base + "/members?" + runQ).then(function (data) {
      members = data.members;
      renderMembers();
    }).catch(function (err) {
      document.querySelector("#members-table tbody").innerHTML = "<tr><td colspan='11' class='empty'>" + esc(err.message) + "</td></tr>";
    });

    loadGraph();
  }

  /* ---- entity page: the node and its first neighbours ------------------------------------ */

  function initEntity(opts) {
    var ctx = { mode: "entity", kindTitles: opts.kindTitles, canvasId: "entity-cy", redact: false, accounts: {} };
    ctx.pseudonym = function (id) { return id; };
    if (typeof cytoscape === "undefined") { status("Graph scripts are not installed."); return; }
    var id = opts.kind + ":" + opts.key;
    var root = { group: "nodes", classes: opts.kind + " expanded",
                 data: { id: id, kind: opts.kind, key: opts.key, label: shortLabel({ kind: opts.kind, key: opts.key, props: opts.props }), props: opts.props } };
    load(ctx, [root], "").then(function () {
      var node = ctx.cy.getElementById(id);
      return expand(ctx, node, 0).then(function () {
        buildTypeToggles(ctx);
        setupTime(ctx);
        return runLayout(ctx.cy, $("layout-select").value);
      });
    }).then(function () { status("Double-click a node to load its neighbours."); });
  }

  window.RingscopeGraph = { initRing: initRing, initEntity: initEntity };

  /* Page data comes in a <script type="application/json" id="graph-config"> block: the
     Content-Security-Policy allows no inline script. */
  var configEl = document.getElementById("graph-config");
  if (configEl) {
    var config = JSON.parse(configEl.textContent);
    if (config.ringId) initRing(config); else if (config.kind) initEntity(config);
  }
})();
