package hub

import "embed"

//go:embed templates/*.html
var templateFS embed.FS

// baseCSS is the pages' style sheet, after the brand's colours. It is
// inline (one request per page) and allowed by its hash in the
// Content-Security-Policy.
const baseCSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text)}
.top{display:flex;align-items:center;gap:.75rem;padding:.75rem 1rem;background:#fff;border-bottom:3px solid var(--primary)}
.logo{max-height:40px;max-width:160px}
.brand{font-weight:700;font-size:1.125rem}
main{max-width:40rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.25rem;margin:0 0 .5rem}
h3{font-size:1rem;margin:1.25rem 0 .5rem}
h4{font-size:1rem;margin:.75rem 0 .25rem}
.card{background:#fff;border-radius:12px;padding:1rem;margin:1rem 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.muted{color:#555;font-size:.9375rem}
.status{color:var(--primary)}
.status.warn{color:#a34100}
.status.ok{color:#176b33}
.estimate{font-size:1.125rem;margin:.25rem 0}
.late,.delay{margin:.25rem 0;padding:.5rem .75rem;border-left:4px solid #a34100;background:#fff6ef}
.steps{display:flex;list-style:none;padding:0;margin:1rem 0;gap:4px;font-size:.6875rem;text-align:center;overflow-wrap:normal}
.steps li{flex:1;padding-top:.5rem;border-top:6px solid #d5d8de;color:#555}
.steps li.done,.steps li.current{border-top-color:var(--primary);color:var(--text)}
.steps li.current{font-weight:700}
.timeline{list-style:none;padding:0;margin:0}
.timeline li{padding:.5rem 0 .5rem 1rem;border-left:2px solid #d5d8de;margin-left:.25rem}
.timeline time{display:block;font-size:.875rem;color:#555}
details{margin:.75rem 0}
summary{cursor:pointer;color:var(--primary);font-weight:600;padding:.5rem 0;min-height:44px}
.items,.products,.cases{list-style:none;padding:0;margin:0}
.items li{display:flex;align-items:center;gap:.75rem;padding:.25rem 0}
.items img{width:64px;height:64px;object-fit:cover;border-radius:8px;background:#eee}
.products{display:grid;grid-template-columns:repeat(2,1fr);gap:.75rem}
.products img{width:100%;height:auto;aspect-ratio:1;object-fit:cover;border-radius:8px;background:#eee}
.products a{color:inherit;text-decoration:none;display:block}
.cases li{padding:.5rem 0;border-top:1px solid #eceef1}
.review{color:#a34100}
.balance{font-size:1.75rem;font-weight:700;margin:0;color:var(--primary)}
form{margin:.5rem 0 1rem}
label{display:block;margin:.5rem 0;font-weight:600}
label.check{font-weight:400;display:flex;gap:.5rem;align-items:center;min-height:44px;margin:0}
input,textarea{display:block;width:100%;font:inherit;padding:.625rem;margin-top:.25rem;border:1px solid #8a8f98;border-radius:8px;background:#fff;color:inherit}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0;display:inline-block}
fieldset{border:1px solid #d5d8de;border-radius:8px;margin:.5rem 0}
button{font:inherit;font-weight:600;background:var(--primary);color:#fff;border:0;border-radius:8px;padding:.75rem 1.25rem;min-height:44px;width:100%;cursor:pointer}
.notice{padding:.75rem 1rem;border-radius:8px;background:#e9f6ee;border:1px solid #176b33;margin:1rem 0}
.notice.error{background:#fdeeee;border-color:#a11}
.mono{font-family:ui-monospace,monospace}
a{color:var(--primary)}
footer{max-width:40rem;margin:0 auto;padding:1rem 1rem 2rem;color:#555}
footer ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
@media (min-width:48rem){main{padding:2rem 1rem}.steps{font-size:.75rem}.products{grid-template-columns:repeat(4,1fr)}button{width:auto}}`
