// Similar ideas while a customer types a new idea's title: a debounced fetch of the portal's
// similar.json, shown under the title with vote buttons. Without JS the server shows the same
// list as a step before posting; once shown here, the form is marked "checked" to skip it.
(function () {
  "use strict";
  var form = document.querySelector("form.idea-form[data-similar-url]");
  if (!form) return;
  var title = form.querySelector("input[name=title]");
  var box = form.querySelector(".similar-live");
  var checked = form.querySelector("input[name=checked]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timer = null;
  var asked = "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;  // textContent: titles are never parsed as HTML
    return node;
  }

  function voteForm(idea) {
    var vote = el("form", { method: "post", action: idea.vote_url, "class": "vote" });
    vote.appendChild(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }));
    vote.appendChild(el("input", { type: "hidden", name: "vote", value: idea.voted ? "0" : "1" }));
    vote.appendChild(el("input", { type: "hidden", name: "next", value: idea.url }));
    var button = el("button", { "class": "vote-button" + (idea.voted ? " voted" : ""),
      "aria-pressed": idea.voted ? "true" : "false", title: idea.voted ? "Take your vote back" : "Vote for this idea" });
    button.appendChild(el("span", { "aria-hidden": "true" }, "▲"));
    button.appendChild(el("strong", {}, String(idea.votes)));
    vote.appendChild(button);
    return vote;
  }

  function show(ideas) {
    box.textContent = "";
    if (!ideas.length) { box.hidden = true; checked.value = "0"; return; }
    box.appendChild(el("h3", {}, "Similar ideas: vote for one instead?"));
    var list = el("ol", { "class": "ideas" });
    ideas.forEach(function (idea) {
      var row = el("li", { "class": "idea-row" });
      row.appendChild(voteForm(idea));
      var body = el("div", { "class": "idea-body" });
      body.appendChild(el("a", { href: idea.url, "class": "idea-title" }, idea.title));
      var meta = el("p", { "class": "meta" });
      meta.appendChild(el("span", { "class": "status " + idea.status }, idea.status_label));
      body.appendChild(meta);
      row.appendChild(body);
      list.appendChild(row);
    });
    box.appendChild(list);
    box.hidden = false;
    checked.value = "1";
  }

  function ask() {
    var text = title.value.trim();
    if (text === asked) return;
    asked = text;
    if (text.length < 3) { show([]); return; }
    fetch(form.dataset.similarUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { ideas: [] }; })
      .then(function (body) { if (title.value.trim() === text) show(body.ideas || []); })
      .catch(function () { /* the server-side check step still runs */ });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
