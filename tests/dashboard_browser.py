#!/usr/bin/env python3
"""tests/dashboard_browser.py: the helper of tests/dashboard-browser.sh.

  nights BASE.db OUTDIR COUNT STEP_NIGHT MODULE STAT
      Write OUTDIR/n01.db .. nCOUNT.db, copies of the results database
      BASE.db as if COUNT nights had run it: each run's scalars and
      statistic means become their run group's mean (the group: the run
      name without its "-r<k>") times 1 + N(0, 0.01), drawn from a
      random.Random seeded by the night, so replications differ a little
      and nights a little; from night STEP_NIGHT on, the mean of the
      statistic STAT of MODULE is 20% higher in every group: the step the
      dashboard must show.

  check SITE SCENARIOS STEP_LABEL
      Open SITE/index.html and every page it links to in headless Chromium
      (selenium, file:// URLs) and check what a reader would: every
      scenario of the file SCENARIOS (one a line) is listed; every chart
      draws a mean line of at least two points with a width; the step is
      marked, visible and named; every link leads to a file that loads
      (and its #fragment exists there; a page is checked as the index is, a
      figure opened on its own loads); every image loads; the console has
      no error; at a phone's size (390 x 844) and a desktop's no page is
      wider than the window. Prints "ok: ..." or "FAIL: ..." a check and
      exits 1 if any failed.

Only the Python standard library and selenium (Debian: python3-selenium,
chromium, chromium-driver).
"""
import os
import random
import re
import shutil
import sqlite3
import sys
import urllib.parse
import urllib.request


def group_of(run_name):
    m = re.match(r"^(.*)-r\d+$", run_name)
    return m.group(1) if m else run_name


def make_nights(base, outdir, count, step_night, module, stat):
    os.makedirs(outdir, exist_ok=True)
    for night in range(1, count + 1):
        path = os.path.join(outdir, "n%02d.db" % night)
        if os.path.exists(path):
            os.remove(path)
        shutil.copyfile(base, path)
        rng = random.Random(1000 + night)
        db = sqlite3.connect(path)
        runs = dict(db.execute("SELECT runId, runName FROM run"))
        for table, key, name, value in (("scalar", "scalarId", "scalarName", "scalarValue"),
                                        ("statistic", "statId", "statName", "statMean")):
            rows = db.execute("SELECT %s, runId, moduleName, %s, %s FROM %s ORDER BY %s"
                              % (key, name, value, table, key)).fetchall()
            sums = {}
            for _, run, mod, nm, v in rows:
                if v is not None:
                    k = (group_of(runs[run]), mod, nm)
                    s = sums.setdefault(k, [0.0, 0])
                    s[0] += v
                    s[1] += 1
            for rid, run, mod, nm, v in rows:
                if v is None:
                    continue
                s = sums[(group_of(runs[run]), mod, nm)]
                nv = s[0] / s[1] * (1 + rng.gauss(0, 0.01))
                if table == "statistic" and mod == module and nm == stat \
                        and night >= step_night:
                    nv *= 1.2
                db.execute("UPDATE %s SET %s = ? WHERE %s = ?" % (table, value, key), (nv, rid))
        db.commit()
        db.close()


# ---- the browser ----

failures = 0


def report(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--allow-file-access-from-files"):
        opts.add_argument(a)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        opts.binary_location = binary
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver), options=opts)


def file_of(url):
    u = urllib.parse.urlparse(url)
    return urllib.request.url2pathname(u.path) if u.scheme == "file" else None


def viewport(d, width, height):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1,
                       "mobile": width < 600})


# Elements wider than the window that no scrolling box holds, for the
# message when a page is too wide.
WIDE_JS = """
const w = window.innerWidth, out = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.right <= w + 1) continue;
  let p = e.parentElement, held = false;
  for (; p && p !== document.body; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') { held = true; break; }
  }
  if (!held) out.push(e.tagName + (e.className && e.className.baseVal === undefined
                                   ? '.' + e.className : '') + ' ' + Math.round(r.right));
}
return out.slice(0, 5);
"""

CHART_JS = """
const out = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const fig = svg.closest('figure'), id = fig ? fig.id : '?';
  const mean = svg.querySelector('path.mean');
  if (!mean) { out.push(id + ': no path.mean'); continue; }
  const pts = (mean.getAttribute('d').match(/[ML]/g) || []).length;
  const box = mean.getBBox();
  if (pts < 2) out.push(id + ': mean line of ' + pts + ' point(s)');
  if (!(box.width > 0)) out.push(id + ': mean line of width ' + box.width);
  if (!svg.querySelector('path.band')) out.push(id + ': no path.band');
  if (svg.querySelectorAll('circle.pt title').length < 1) out.push(id + ': no point titles');
}
return [document.querySelectorAll('svg.chart').length, out.slice(0, 5)];
"""


def check_page(d, url, what):
    """The checks every page gets; returns its links (absolute, unique)."""
    d.get(url)
    report(bool(d.title), "%s: has a title (%r)" % (what, d.title))
    # A reader opens the folded parts.
    d.execute_script("document.querySelectorAll('details').forEach(e => e.open = true)")
    n, bad = d.execute_script(CHART_JS)
    report(not bad, "%s: %d charts each draw a mean line of >= 2 points with a width, a "
           "band and point titles%s" % (what, n, "" if not bad else ": " + "; ".join(bad)))
    imgs = d.execute_script("return Array.from(document.images).map(i => "
                            "[i.getAttribute('src'), i.complete, i.naturalWidth])")
    bad = [s for s, c, w in imgs if not c or not w > 0]
    report(not bad, "%s: %d images load (naturalWidth > 0)%s" % (what, len(imgs),
           "" if not bad else ": not " + ", ".join(bad[:5])))
    hrefs = d.execute_script("return Array.from(document.querySelectorAll('a[href]'))"
                             ".map(a => a.href)")
    ext = [h for h in hrefs if not h.startswith("file:")]
    report(not ext, "%s: every link is a file of the site%s" % (what,
           "" if not ext else ": not " + ", ".join(ext[:5])))
    srcs = d.execute_script("return Array.from(document.querySelectorAll('[src],link[href]'))"
                            ".map(e => e.src || e.href)")
    ext = [s for s in srcs if not s.startswith("file:")]
    report(not ext, "%s: nothing is loaded from the network%s" % (what,
           "" if not ext else ": " + ", ".join(ext[:5])))
    for w, h, name in ((390, 844, "phone"), (1280, 900, "desktop")):
        viewport(d, w, h)
        sw, iw = d.execute_script("return [document.documentElement.scrollWidth, "
                                  "window.innerWidth]")
        wide = [] if sw <= iw + 1 else d.execute_script(WIDE_JS)
        report(sw <= iw + 1, "%s: fits a %s's width (%d <= %d)%s" % (what, name, sw, iw,
               "" if not wide else ": too wide: " + ", ".join(wide)))
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    logs = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    report(not logs, "%s: no error in the console%s" % (what,
           "" if not logs else ": " + "; ".join(e["message"] for e in logs[:3])))
    return sorted(set(hrefs))


def check(site, scenarios_file, step_label):
    index = os.path.abspath(os.path.join(site, "index.html"))
    with open(scenarios_file, encoding="utf-8") as f:
        want = sorted(line.rstrip("\n") for line in f if line.strip())
    d = browser()
    try:
        index_url = "file://" + urllib.request.pathname2url(index)
        links = check_page(d, index_url, "index.html")
        listed = d.execute_script("return Array.from(document.querySelectorAll('a.scenario'))"
                                  ".map(a => [a.textContent, a.href])")
        names = sorted(t for t, _ in listed)
        report(names == want, "index.html lists every scenario of the history %s (listed %s)"
               % (want, names))
        banner = d.find_element("id", "banner")
        report(banner.is_displayed() and re.search(r"(\d+ regressions?|No regression) in "
               r"night \S+", banner.text) is not None,
               "index.html: the newest night's banner is shown (%r)" % banner.text)
        body = d.find_element("tag name", "body").text
        report("regressed at " + step_label in body,
               "index.html: a series says its last step regressed at " + step_label)
        # Every link: its file exists and loads; its fragment is there.
        pages = {}
        for h in links:
            base, _, frag = h.partition("#")
            pages.setdefault(base, set())
            if frag:
                pages[base].add(frag)
        missing = [b for b in pages if not (file_of(b) and os.path.isfile(file_of(b)))]
        report(not missing, "index.html: %d linked files exist%s" % (len(pages),
               "" if not missing else ": not " + ", ".join(missing[:5])))
        seen = {index_url}
        todo = [b for b in sorted(pages) if b not in seen]
        while todo:
            page = todo.pop(0)
            if page in seen or not (file_of(page) and os.path.isfile(file_of(page))):
                continue
            seen.add(page)
            what = os.path.relpath(file_of(page), site)
            if not page.endswith(".html"):
                # A figure opened on its own.
                d.get(page)
                logs = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
                report(bool(d.title) and not logs, "%s: opens (title %r), no console error"
                       % (what, d.title))
                continue
            more = check_page(d, page, what)
            frags = pages.get(page, set())
            absent = d.execute_script("return arguments[0].filter(f => "
                                      "!document.getElementById(decodeURIComponent(f)))",
                                      sorted(frags))
            report(not absent, "%s: the %d #fragments linked to exist%s" % (what, len(frags),
                   "" if not absent else ": not " + ", ".join(absent[:5])))
            for h in more:
                base, _, frag = h.partition("#")
                if not (file_of(base) and os.path.isfile(file_of(base))):
                    report(False, "%s: link %s leads to a file" % (what, h))
                    continue
                pages.setdefault(base, set())
                if frag:
                    pages[base].add(frag)
                if base not in seen:
                    todo.append(base)
        # The step, on the page of the scenario that has it.
        found = False
        for page in sorted(seen):
            if "/s/" not in page or not page.endswith(".html"):
                continue
            d.get(page)
            marks = [c for c in d.find_elements("css selector", "svg.chart circle.flag.regressed")
                     if step_label in (c.find_element("tag name", "title")
                                       .get_attribute("textContent") or "")]
            if not marks:
                continue
            found = True
            what = os.path.relpath(file_of(page), site)
            report(all(m.is_displayed() for m in marks),
                   "%s: %d rings mark the regression at %s, displayed"
                   % (what, len(marks), step_label))
            text = d.find_element("tag name", "body").text
            report("regressed" in text and step_label in text,
                   "%s: the page says 'regressed' and names night %s" % (what, step_label))
            rows = [r.text for r in d.find_elements("css selector", "table.steps tbody tr")]
            report(any(r.startswith("regressed") and step_label in r for r in rows),
                   "%s: the table of steps has the regression at %s" % (what, step_label))
            labels = [t.text for t in d.find_elements("css selector", "svg.chart text.flag.regressed")]
            report(any(step_label in t for t in labels),
                   "%s: the chart labels the step 'regressed %s'" % (what, step_label))
        report(found, "a scenario page marks a regression at " + step_label)
        print("pages checked: %d (%d of them HTML)"
              % (len(seen), sum(p.endswith(".html") for p in seen)))
    finally:
        d.quit()
    return 1 if failures else 0


def main(argv):
    if len(argv) == 8 and argv[1] == "nights":
        make_nights(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6], argv[7])
        return 0
    if len(argv) == 5 and argv[1] == "check":
        return check(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
