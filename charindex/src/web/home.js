// The page's only script: fetch /chars pages of 200 rows as the end of the table comes
// into view, until every result is shown. No framework, and no innerHTML: every row is
// built with createElement and filled with textContent, so data is never parsed as HTML.
// The query and the total come from the table's data- attributes, which the server wrote
// HTML-escaped; nothing from the request is ever written into this script.
"use strict";
(function () {
  const PAGE = 200;
  const MARGIN = 400; // start fetching when the end is this many pixels below the window
  const table = document.getElementById("chars");
  const rows = table.tBodies[0];
  const state = document.getElementById("more");
  const query = table.dataset.query;
  const total = Number(table.dataset.total);
  let loading = false;

  function showCount() {
    const shown = rows.rows.length;
    if (total === 0) {
      state.textContent = "";
    } else if (shown >= total) {
      state.textContent = "all " + total + " shown";
    } else {
      state.textContent = shown + " of " + total + " shown; scroll for more";
    }
  }

  function cell(tag, text) {
    const element = document.createElement(tag);
    element.textContent = text;
    return element;
  }

  function nearEnd() {
    return state.getBoundingClientRect().top < window.innerHeight + MARGIN;
  }

  async function loadMore() {
    const start = rows.rows.length;
    if (loading || start >= total) {
      return;
    }
    loading = true;
    state.textContent = "loading\u2026";
    const params = new URLSearchParams({
      query: query,
      start: String(start),
      stop: String(start + PAGE),
    });
    let more = false;
    try {
      const response = await fetch("/chars?" + params.toString());
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const page = await response.json();
      for (const entry of page.chars) {
        const row = document.createElement("tr");
        row.append(cell("td", entry.code), cell("th", entry["char"]), cell("td", entry.name));
        rows.appendChild(row);
      }
      showCount();
      // An empty page means the index has fewer rows than the page said: stop there.
      more = page.chars.length > 0;
    } catch (error) {
      state.textContent = "could not load more rows (" + error.message + "); scroll to retry";
    } finally {
      loading = false;
    }
    // A tall window may still show the end of the table: keep filling it.
    if (more && nearEnd()) {
      loadMore();
    }
  }

  showCount();
  if (rows.rows.length >= total) {
    return;
  }
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver(
      function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; })) {
          loadMore();
        }
      },
      { rootMargin: "0px 0px " + MARGIN + "px 0px" }
    );
    observer.observe(state);
  } else {
    window.addEventListener("scroll", function () {
      if (nearEnd()) {
        loadMore();
      }
    });
  }
})();
