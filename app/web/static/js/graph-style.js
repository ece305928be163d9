/* Ringscope graph style: shared by the ring page, the entity page and the headless renderer
   (app/exports/chromium.py). Colours match app/exports/picture.py. */
(function (root) {
  "use strict";
  var KINDS = {
    Account: { color: "#2563eb", shape: "ellipse", title: "Accounts" },
    AccountGroup: { color: "#1e40af", shape: "ellipse", title: "Account groups" },
    PaymentMethod: { color: "#d97706", shape: "round-rectangle", title: "Payment methods" },
    IP: { color: "#059669", shape: "diamond", title: "IPs" },
    Device: { color: "#0891b2", shape: "rectangle", title: "Devices" },
    PromptCluster: { color: "#db2777", shape: "hexagon", title: "Prompt clusters" },
    Operator: { color: "#dc2626", shape: "star", title: "Operators" },
    More: { color: "#9ca3af", shape: "round-tag", title: "More" }
  };
  var EDGES = { PAID_WITH: "#f59e0b", USED_IP: "#10b981", USED_DEVICE: "#06b6d4", SENT: "#ec4899", LABELED_AS: "#7c3aed" };

  var style = [
    { selector: "node", style: {
        "background-color": "#6b7280", "label": "data(label)", "font-size": 9, "color": "#1f2937",
        "text-valign": "bottom", "text-margin-y": 3, "width": 18, "height": 18,
        "border-width": 1.5, "border-color": "#ffffff", "text-max-width": 120,
        "text-wrap": "ellipsis", "min-zoomed-font-size": 7 } },
    { selector: "edge", style: {
        "width": "mapData(accounts, 1, 200, 1.2, 7)", "line-color": "#9ca3af", "opacity": 0.6,
        "curve-style": "haystack", "haystack-radius": 0 } },
    { selector: "edge.LABELED_AS", style: { "line-style": "dashed", "curve-style": "straight", "width": 2 } },
    { selector: "node.AccountGroup", style: {
        "width": "mapData(size, 2, 400, 28, 80)", "height": "mapData(size, 2, 400, 28, 80)",
        "label": "data(label)", "font-weight": "bold", "color": "#1e3a8a" } },
    { selector: "node.Operator", style: { "width": 34, "height": 34, "font-size": 11, "font-weight": "bold", "color": "#7f1d1d" } },
    { selector: "node.labeled", style: { "border-width": 4, "border-color": "#7c3aed" } },
    { selector: "node.outsider", style: { "background-color": "#a78bfa" } },
    { selector: "node.attributed", style: { "border-width": 3, "border-color": "#7f1d1d" } },
    { selector: "node.More", style: { "width": 30, "height": 16, "font-size": 8, "color": "#374151",
        "text-valign": "center", "text-margin-y": 0, "label": "data(label)" } },
    { selector: "node.expanded", style: { "border-style": "double", "border-width": 4, "border-color": "#111827" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#111827", "overlay-opacity": 0 } },
    { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0 } },
    { selector: ".highlight", style: { "opacity": 1 } },
    { selector: "edge.highlight", style: { "opacity": 0.95, "width": 3 } },
    { selector: ".time-hidden", style: { "display": "none" } },
    { selector: ".type-hidden", style: { "display": "none" } }
  ];
  Object.keys(KINDS).forEach(function (kind) {
    style.push({ selector: "node." + kind, style: { "background-color": KINDS[kind].color, "shape": KINDS[kind].shape } });
  });
  style.splice(style.findIndex(function (s) { return s.selector === "node.outsider"; }), 1);
  style.push({ selector: "node.outsider", style: { "background-color": "#a78bfa" } });
  Object.keys(EDGES).forEach(function (rel) {
    style.push({ selector: "edge." + rel, style: { "line-color": EDGES[rel] } });
  });

  function layoutOptions(name, n, animate) {
    var big = n > 600;
    switch (name) {
      case "concentric":
        return { name: "concentric", animate: false, minNodeSpacing: 8,
                 concentric: function (node) { return node.hasClass("Operator") ? 3 : (node.hasClass("Account") || node.hasClass("AccountGroup") ? 1 : 2); },
                 levelWidth: function () { return 1; } };
      case "breadthfirst":
        return { name: "breadthfirst", animate: false, spacingFactor: 1.1, directed: false };
      case "grid":
        return { name: "grid", animate: false, avoidOverlap: true };
      case "circle":
        return { name: "circle", animate: false };
      case "cose":
        return { name: "cose", animate: false, nodeRepulsion: function () { return 6000; }, numIter: big ? 300 : 1000 };
      default:
        if (typeof cytoscape !== "undefined" && cytoscape("layout", "fcose")) {
          return { name: "fcose", quality: big ? "draft" : "default", randomize: true,
                   animate: !!animate && !big, animationDuration: 400, nodeRepulsion: 6500,
                   idealEdgeLength: 60, nodeSeparation: 60, numIter: big ? 1200 : 2500, packComponents: true };
        }
        return { name: "cose", animate: false };
    }
  }

  root.RingscopeGraphStyle = { style: style, kinds: KINDS, edges: EDGES, layoutOptions: layoutOptions };
})(typeof window !== "undefined" ? window : this);
