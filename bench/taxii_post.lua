-- bench/taxii_post.lua - wrk script: POST envelopes of fresh indicators.
--
--   wrk -s taxii_post.lua URL/objects/ -- RUN [PER_REQUEST]
--
-- Every request carries PER_REQUEST (default 100) new STIX 2.1 indicators
-- whose ids and domain values are unique across the run: the id is
-- indicator--RUN-TTTT-4000-8000-SSSSSSSSSSSS, where RUN is 8 hex digits
-- picked by the caller (so reruns against the same store stay fresh),
-- TTTT is the wrk thread and S a per-thread sequence number. The objects
-- are TLP:GREEN, so every reader of the collection may see them.
-- setup() numbers the threads: thread:set makes `tid` a global of each
-- thread's Lua state.

local threads = 0
local run, per_request = "00000000", 100
local seq = 0

local green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
local stamp = "2025-01-01T00:00:00.000Z"

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function init(args)
	run = args[1] or run
	per_request = tonumber(args[2] or per_request)
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/taxii+json;version=2.1"
end

local function indicator(n)
	local uuid = string.format("%s-%04x-4000-8000-%012x", run, tid, n)
	return string.format('{"type":"indicator","spec_version":"2.1","id":"indicator--%s",' ..
		'"created":"%s","modified":"%s","name":"bench ingest",' ..
		'"pattern":"[domain-name:value = \'r%s-%d-%d.bench-ingest.net\']",' ..
		'"pattern_type":"stix","valid_from":"%s","object_marking_refs":["%s"]}',
		uuid, stamp, stamp, run, tid, n, stamp, green)
end

function request()
	local objs = {}
	for i = 1, per_request do
		seq = seq + 1
		objs[i] = indicator(seq)
	end
	return wrk.format(nil, nil, nil, '{"objects":[' .. table.concat(objs, ",") .. ']}')
end
