-- wrk script: every request carries the next of many agent keys (one per line in the file given after `--`),
-- each wrk thread starting at its own place, so that calls spread over all keys as many agents' calls would.
local keys = {}
local next_index = 1
local thread_count = 0

function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
end

function init(args)
    for line in io.lines(args[1]) do
        if #line > 0 then keys[#keys + 1] = line end
    end
    if #keys == 0 then error("no keys in " .. tostring(args[1])) end
    next_index = ((thread_number or 1) * 7919) % #keys + 1
end

function request()
    next_index = next_index % #keys + 1
    return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. keys[next_index] })
end
