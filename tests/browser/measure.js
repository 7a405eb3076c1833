// measure.js: what tests/browser/check.sh asks of a report page in a real
// browser, written into the page as one line (a pre element, id
// nsgflow-measure) that --dump-dom prints:
//   height=H first=Y first_kind=K width=W viewport=V overlaps=N overflow=N
// height: document.body.scrollHeight; first: the top (px from the page's
// top) of the fix plan's first block, or of the first finding while there
// is no plan (first_kind plan, finding or none); width: the document's
// scrollWidth (more than viewport: the page scrolls sideways); overlaps:
// pairs of chart labels whose boxes overlap; overflow: chart labels that
// reach past their chart's box.
(function () {
    var first = document.querySelector("#plan .fix"), kind = "plan";
    if (!first) { first = document.querySelector("#findings .finding"); kind = "finding"; }
    if (!first) kind = "none";
    var top = first ? Math.round(first.getBoundingClientRect().top + window.scrollY) : -1;
    var overlaps = 0, overflow = 0;
    document.querySelectorAll(".axis").forEach(function (axis) {
        var box = axis.getBoundingClientRect();
        var spans = Array.prototype.filter.call(axis.querySelectorAll("span"), function (s) {
            return getComputedStyle(s).display !== "none";
        }).map(function (s) { return s.getBoundingClientRect(); });
        for (var i = 0; i < spans.length; i++) {
            if (spans[i].left < box.left - 0.5 || spans[i].right > box.right + 0.5) overflow++;
            if (i > 0 && spans[i].left < spans[i - 1].right) overlaps++;
        }
    });
    var pre = document.createElement("pre");
    pre.id = "nsgflow-measure";
    pre.textContent = "height=" + document.body.scrollHeight + " first=" + top +
        " first_kind=" + kind + " width=" + document.documentElement.scrollWidth +
        " viewport=" + window.innerWidth + " overlaps=" + overlaps + " overflow=" + overflow;
    document.body.appendChild(pre);
})();
