(function(){var d=document,h=d.documentElement;h.className=h.className.replace("nojs","js");
var f=d.getElementById("f"),qs=f.querySelectorAll(".q"),n=qs.length,i=0,bar=d.querySelector("#bar i"),cnt=d.getElementById("cnt"),back=d.getElementById("back"),next=d.getElementById("next"),dev=d.getElementById("device"),en=h.lang=="en";
try{var k="fcs:"+dev.getAttribute("data-c"),s=localStorage.getItem(k);if(s)dev.value=s;else localStorage.setItem(k,dev.value)}catch(e){}
function done(j){return j==n-1||!!qs[j].querySelector("input:checked")}
function show(j){qs[i].className="q";i=j;qs[i].className="q on";bar.style.width=100*i/(n-1)+"%";cnt.textContent=i<n-1?(en?"Question "+(i+1)+" of "+(n-1):"第 "+(i+1)+" / "+(n-1)+" 题"):(en?"Last step":"最后一步");back.disabled=i==0;next.hidden=!done(i)||i==n-1;scrollTo(0,0)}
f.addEventListener("change",function(e){if(e.target.type=="radio"&&i<n-1){var j=i;setTimeout(function(){if(i==j)show(j+1)},250)}});
back.onclick=function(){if(i>0)show(i-1)};next.onclick=function(){if(done(i)&&i<n-1)show(i+1)};
var ph=d.getElementById("phone"),cb=d.getElementById("consent"),cw=d.getElementById("cw");function bad(){return ph.value.trim()&&!cb.checked}
f.addEventListener("submit",function(e){if(bad()){e.preventDefault();cw.hidden=false}});cb.onchange=ph.oninput=function(){if(!bad())cw.hidden=true};
d.getElementById("big").onclick=function(e){e.preventDefault();var b=h.classList.toggle("big");try{localStorage.setItem("fcs:big",b?"1":"")}catch(x){}};
try{if(localStorage.getItem("fcs:big"))h.classList.add("big")}catch(e){}
show(0)})();
