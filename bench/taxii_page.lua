-- bench/taxii_page.lua - wrk script: pages read from anywhere in a collection.
--
--   wrk -s taxii_page.lua 'URL/objects/?limit=100' -- FIRST LAST
--
-- FIRST and LAST are date_added bounds in microseconds since the epoch.
-- Every request adds added_after=T to the URL, T uniform between FIRST
-- and LAST, so the server reads pages from the whole collection (cold
-- and warm B-tree pages alike) rather than the first page again and again.

local first, last = 0, 0
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function init(args)
	first = tonumber(args[1])
	last = tonumber(args[2])
	math.randomseed(os.time() * 64 + tid)
end

local function stamp(us)
	local s = math.floor(us / 1000000)
	return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%06dZ", us - s * 1000000)
end

function request()
	local t = first + math.floor(math.random() * (last - first))
	return wrk.format(nil, wrk.path .. "&added_after=" .. stamp(t))
end
