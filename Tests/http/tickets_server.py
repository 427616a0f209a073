"""A small ticket system with state, for the entity mapping of declarative
connectors (see loopback.py for how it runs). Tickets live in memory, in the
order they were made; an ID is never reused.

  GET    /tickets?offset=&limit=   {"items": [...]}
  POST   /tickets                  201, the ticket   (title required)
  GET    /tickets/<id>             the ticket, or 404
  PATCH  /tickets/<id>             the ticket after the change (members given
                                   replace, "details" is merged), or 404
  DELETE /tickets/<id>             204, or 404

A ticket: {"ticket_id": 7, "title": "...", "status": "open", "details": {"points": 3}}.
"""
import threading

from flask import Flask, jsonify, request

from loopback import serve

app = Flask(__name__)
lock = threading.Lock()
tickets: dict[int, dict] = {}
next_id = [1]


def missing(ticket_id: int):
    return jsonify(error=f"no ticket {ticket_id}"), 404


@app.get("/tickets")
def list_tickets():
    offset = int(request.args.get("offset", 0))
    limit = int(request.args.get("limit", 50))
    with lock:
        ordered = [tickets[key] for key in sorted(tickets)]
    return jsonify(items=ordered[offset:offset + limit])


@app.post("/tickets")
def create_ticket():
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("title"), str):
        return jsonify(error="title is required"), 400
    with lock:
        ticket = {"ticket_id": next_id[0], "title": body["title"], "status": body.get("status", "open"),
                  "details": dict(body.get("details") or {})}
        tickets[next_id[0]] = ticket
        next_id[0] += 1
    return jsonify(ticket), 201


@app.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    with lock:
        ticket = tickets.get(ticket_id)
    return jsonify(ticket) if ticket else missing(ticket_id)


@app.patch("/tickets/<int:ticket_id>")
def update_ticket(ticket_id: int):
    body = request.get_json(silent=True) or {}
    with lock:
        ticket = tickets.get(ticket_id)
        if not ticket:
            return missing(ticket_id)
        for key, value in body.items():
            if key == "details" and isinstance(value, dict):
                ticket["details"].update(value)
            elif key != "ticket_id":
                ticket[key] = value
        answer = dict(ticket)
    return jsonify(answer)


@app.delete("/tickets/<int:ticket_id>")
def delete_ticket(ticket_id: int):
    with lock:
        if tickets.pop(ticket_id, None) is None:
            return missing(ticket_id)
    return "", 204


if __name__ == "__main__":
    serve(app)
