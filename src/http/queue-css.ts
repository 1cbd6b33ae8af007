/** The status page's only stylesheet, served from `/self-modify/assets/queue.css` (the CSP allows no inline style). */
export const QUEUE_CSS = `
:root{--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#fff;--accent:#0969da;
--ok:#1a7f37;--okbg:#dafbe1;--bad:#cf222e;--badbg:#ffebe9;--warn:#9a6700;--warnbg:#fff8c5;--info:#0969da;--infobg:#ddf4ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 20px;padding:10px 20px;background:#24292f;color:#fff}
header.top a{color:#fff}.brand{font-weight:600;font-size:17px}
header nav{display:flex;gap:16px;flex:1}header nav a{opacity:.85}header nav a.active{opacity:1;font-weight:600}
.count{display:inline-block;min-width:20px;padding:0 6px;border-radius:10px;background:#fb8500;color:#111;font-size:12px;font-weight:700;text-align:center}
.who{display:flex;gap:10px;align-items:center;font-size:14px}
form.inline{display:inline;margin:0}
button.link{background:none;border:0;color:#fff;cursor:pointer;font:inherit;padding:0;text-decoration:underline}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0 12px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:16px;margin:0}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 12px}
.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,textarea{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--fg)}
button,.button{font:inherit;padding:5px 14px;border-radius:6px;border:1px solid var(--line);background:#f6f8fa;color:var(--fg);cursor:pointer}
button.approve{background:var(--ok);border-color:var(--ok);color:#fff;font-weight:600}
button.freeze,button.rollback{background:#fff;border-color:var(--bad);color:var(--bad);font-weight:600}
button.unfreeze{background:var(--ok);border-color:var(--ok);color:#fff;font-weight:600}
.repos .repo-line{margin:0 0 8px}
.notice.frozen{background:#ffebe9;border-color:var(--bad)}
button.reject{background:#fff;border-color:var(--bad);color:var(--bad);font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 12px}
.card-head{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:baseline}
.card-head h3{flex:1 1 300px;word-break:break-word}
.sub{color:var(--muted);font-size:13px}
.desc{white-space:pre-wrap;word-break:break-word;margin:8px 0}
.meta{display:flex;flex-wrap:wrap;gap:4px 16px;color:var(--muted);font-size:13px;margin:6px 0}
.pill{display:inline-block;padding:0 8px;border-radius:12px;font-size:12px;font-weight:600;border:1px solid transparent;white-space:nowrap}
.s-proposed{background:var(--infobg);color:var(--info)}.s-approved,.s-applied{background:var(--okbg);color:var(--ok)}
.s-rejected,.s-failed{background:var(--badbg);color:var(--bad)}.s-expired,.s-rolled_back{background:#eaeef2;color:var(--muted)}
.flag-guarded{background:var(--warnbg);color:var(--warn)}.flag-urgent{background:var(--badbg);color:var(--bad)}.flag-bypassed{background:var(--bad);color:#fff}
.t-passed{color:var(--ok)}.t-failed{color:var(--bad)}.t-pending{color:var(--warn)}
ul.files,ul.checks{list-style:none;padding:0;margin:4px 0}ul.files li,ul.checks li{word-break:break-all}
.add{color:var(--ok)}.del{color:var(--bad)}
.section-label{font-weight:600;font-size:13px;margin-top:8px}
details summary{cursor:pointer;color:var(--accent);font-size:13px;margin-top:6px}
pre.diff{background:#fff;border:1px solid var(--line);border-radius:6px;overflow-x:auto;margin:6px 0;padding:6px 0}
pre.diff span{display:block;padding:0 10px;white-space:pre}
pre.diff .d-add{background:#e6ffec;color:#116329}pre.diff .d-del{background:#ffebe9;color:#82071e}
pre.diff .d-hunk{background:#ddf4ff;color:#0550ae}pre.diff .d-file{font-weight:700;color:var(--fg)}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-top:10px}
.actions form{display:flex;gap:6px;flex-wrap:wrap;margin:0}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;font-size:14px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#f6f8fa}
td.wrap{word-break:break-word}
.pager{display:flex;justify-content:flex-end;margin:10px 0}
.empty{color:var(--muted);padding:12px 0}
.notice{padding:10px 14px;border-radius:6px;background:var(--warnbg);border:1px solid #d4a72c;margin:0 0 12px}
.error{background:var(--badbg);border-color:var(--bad)}
.login-box{max-width:420px;margin:30px auto}
.login-box form{display:flex;flex-direction:column;gap:8px}
.button.github{display:block;text-align:center;background:#24292f;color:#fff;border-color:#24292f;margin:8px 0 16px}
@media (max-width:640px){main{padding:10px}header.top{padding:10px}.card{padding:12px}
table,thead,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid var(--line);padding:6px 0}td{border:0;padding:2px 10px}}
`;
