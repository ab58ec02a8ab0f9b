-- wrk script: POST a create-order request to the path given on the command line.
-- The body comes from IMPILO_BENCH_BODY (the harness puts the docs' patient order there, taken
-- from openapi.yaml); the API key header comes from wrk's -H, as for every other request.
wrk.method = "POST"
wrk.body = os.getenv("IMPILO_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
