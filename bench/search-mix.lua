-- The search mix for bench/http-search: one URL per request, in turn.
local paths = {
  "/api/v1/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF",
  "/api/v1/search?q=%E8%A7%92%E7%A3%A8%E6%9C%BA&kind=product",
  "/api/v1/search?q=800%E5%90%A8%E5%8E%8B%E9%93%B8%20%E9%93%9D%E5%90%88%E9%87%91%20%E7%94%B5%E5%8A%A8%E5%B7%A5%E5%85%B7%E5%A4%96%E5%A3%B3",
  "/api/v1/search?q=GB%2FT29606%20%E6%A3%80%E6%B5%8B",
  "/api/v1/search?q=cordless%20drill%2020V%20OEM",
  "/api/v1/search?q=%E6%83%B3%E6%89%BE%E4%B8%AA%E5%81%9A%E7%84%96%E7%83%A7%E6%9D%AF%E5%A4%96%E8%A7%82%E8%AE%BE%E8%AE%A1%E7%9A%84%E5%B7%A5%E4%BD%9C%E5%AE%A4",
  "/api/v1/search?q=%E9%98%B2%E7%9B%97%E9%97%A8&town=330784108",
  "/api/v1/search?kind=capacity&town=330784112",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
