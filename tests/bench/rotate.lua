-- rotate.lua: a wrk script that cycles through the request paths in a file, one a line, so that a
-- workload is many distinct URLs and not one hot entry.  Each thread starts at its own offset.
--
--   BENCH_URLS=FILE [BENCH_HEADER='If-None-Match: "v5-2"'] wrk -s rotate.lua http://HOST:PORT
--
-- Requests are formatted once, in init(); no response() callback, so wrk stays on its fast path
-- (it still counts non-2xx/3xx answers in its summary, which bench.sh checks).

local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local reqs = {}
local n = 0
local i = 0

function init(args)
	local file = os.getenv("BENCH_URLS")
	assert(file, "rotate.lua: BENCH_URLS is not set")
	local headers = {}
	local h = os.getenv("BENCH_HEADER")
	if h and h ~= "" then
		local k, v = h:match("^([^:]+):%s*(.*)$")
		assert(k, "rotate.lua: BENCH_HEADER must be 'Name: value'")
		headers[k] = v
	end
	for line in io.lines(file) do
		if line ~= "" then
			n = n + 1
			reqs[n] = wrk.format("GET", line, headers)
		end
	end
	assert(n > 0, "rotate.lua: no URLs in " .. file)
	local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
	i = math.floor((tid or 0) * n / nthreads) % n
end

function request()
	i = i + 1
	if i > n then i = 1 end
	return reqs[i]
end
