"""A paged API for the declarative-connector tests: 23 items, served by offset
and limit, by page number, by cursor, by Link header, and one endpoint that
returns its first page again and again (see loopback.py for how it runs).

  GET /offset?offset=&limit=   {"results": [...]}
  GET /page?page=&per_page=    {"data": {"items": [...]}}     (pages from 1)
  GET /cursor?cursor=          {"results": [...], "next": "c5" or null}
  GET /linked?start=           {"results": [...]} and Link: <...>; rel="next"
  GET /stuck?offset=           always the first 5 items
"""
from flask import Flask, jsonify, request

from loopback import serve

ITEMS = [{"id": index} for index in range(1, 24)]
app = Flask(__name__)


@app.get("/offset")
def by_offset():
    offset = int(request.args.get("offset", 0))
    limit = int(request.args.get("limit", 5))
    return jsonify(results=ITEMS[offset:offset + limit])


@app.get("/page")
def by_page():
    page = int(request.args.get("page", 1))
    size = int(request.args.get("per_page", 5))
    return jsonify(data={"items": ITEMS[(page - 1) * size:page * size]})


@app.get("/cursor")
def by_cursor():
    start = int(request.args.get("cursor", "c0")[1:])
    end = start + 5
    return jsonify(results=ITEMS[start:end], next=f"c{end}" if end < len(ITEMS) else None)


@app.get("/linked")
def by_link():
    start = int(request.args.get("start", 0))
    response = jsonify(results=ITEMS[start:start + 5])
    if start + 5 < len(ITEMS):
        response.headers["Link"] = f'<{request.host_url}linked?start={start + 5}>; rel="next"'
    return response


@app.get("/stuck")
def stuck():
    return jsonify(results=ITEMS[:5])


if __name__ == "__main__":
    serve(app)
