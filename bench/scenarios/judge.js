'use strict';
/**
 * `bench/detect.js --diagnose`: a leak's diagnosis report judged against the
 * row's `expect` (the true holder variable and allocation site, list.js), and
 * the printout of the reports.
 */
const path = require('node:path');

/** Holder and allocation site of a report's top finding, judged against the scenario's `expect`. */
function judge(sc, report) {
  if (!sc.expect) return null;
  const top = report && report.findings && report.findings[0];
  if (!top) {
    return { holder: null, site: null, holderOk: false, siteOk: false, why: report ? 'no finding' : 'no report' };
  }
  let holder = top.holder && typeof top.holder === 'object' ? top.holder.edge : top.holder;
  if (!holder) {
    try {
      const h = require('../../lib/diagnose/explain.js').holder(top.retainer_path || []);
      holder = h ? h.edge : null;
    } catch (e) {
      holder = null;
    }
  }
  const a = top.allocation;
  const site = a && a.file ? `${path.basename(a.file)}:${a.line}` : null;
  return {
    holder,
    site,
    holderOk: holder === sc.expect.holder,
    siteOk: site !== null && sc.expect.site.includes(site),
    fnOk: site !== null && site === sc.expect.fn,
  };
}

/** Prints each run's report (top finding) and the judged table; `printTable(cols, rows)` from detect.js. */
function printDiagnoses(rows, printTable) {
  console.log('\ndiagnosis reports (top finding per run):');
  for (const r of rows) {
    const rep = r.report;
    if (!rep) {
      console.log(`\n  ${r.sc.name} s${r.seed}: ${r.sc.leak ? 'NO REPORT' : 'no diagnosis ran (as expected)'}`);
      continue;
    }
    const top = rep.findings[0];
    console.log(`\n  ${r.sc.name} s${r.seed}: ${rep.html}`);
    if (top) {
      console.log(`    ${top.headline}`);
      console.log(`    retained by:  ${top.retainer_text}`);
      console.log(`    allocated at: ${top.allocation ? `${top.allocation.file}:${top.allocation.line}:` +
        `${top.allocation.column}` : '?'}`);
    }
    for (const d of rep.degraded) console.log(`    (incomplete: ${d})`);
  }
  const judged = rows.filter((r) => r.judged);
  if (!judged.length) return;
  console.log('\ndiagnosis judged against the true retainer and allocation site (bench/scenarios/list.js expect):\n');
  printTable([
    ['scenario', (r) => r.sc.name],
    ['seed', (r) => String(r.seed)],
    ['holder expected', (r) => r.sc.expect.holder],
    ['holder got', (r) => r.judged.holder || (r.judged.why || '?')],
    ['holder', (r) => (r.judged.holderOk ? 'match' : 'MISMATCH')],
    ['site expected', (r) => r.sc.expect.site.join(' or ')],
    ['site got', (r) => r.judged.site || '?'],
    ['site', (r) => (r.judged.siteOk ? 'match' : r.judged.fnOk ? 'function' : 'MISMATCH')],
  ], judged);
  const miss = judged.filter((r) => !r.judged.holderOk || !(r.judged.siteOk || r.judged.fnOk));
  console.log(miss.length ? `\n${miss.length} diagnosis mismatch(es): ${miss.map((r) => r.sc.name).join(', ')}` :
    `\nall ${judged.length} diagnoses match`);
  console.log('site "function": the allocating function (its definition line), not the exact allocation line');
}

module.exports = { judge, printDiagnoses };
