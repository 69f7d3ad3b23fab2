"""`/companies…` and a contact's companies (`/contacts/{id}/companies…`)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok, query
from emulator.store import companies

blueprint = Blueprint("companies", __name__)


@blueprint.post("/companies")
def create_or_update() -> ResponseReturnValue:
    return ok(companies.upsert(context(), json_body()))


@blueprint.get("/companies")
def retrieve_or_list() -> ResponseReturnValue:
    return ok(companies.retrieve_or_list(context(), query(), request.host_url))


@blueprint.post("/companies/list")
def list_all() -> ResponseReturnValue:
    return ok(companies.list_all(context(), query()))


@blueprint.get("/companies/scroll")
def scroll() -> ResponseReturnValue:
    return ok(companies.scroll(context(), query().get("scroll_param")))


@blueprint.get("/companies/<id:company_id>")
def retrieve(company_id: str) -> ResponseReturnValue:
    return ok(companies.retrieve(context(), company_id))


@blueprint.put("/companies/<id:company_id>")
def update(company_id: str) -> ResponseReturnValue:
    return ok(companies.update(context(), company_id, json_body()))


@blueprint.delete("/companies/<id:company_id>")
def delete(company_id: str) -> ResponseReturnValue:
    return ok(companies.delete(context(), company_id))


@blueprint.get("/companies/<company_id>/contacts")
def list_contacts(company_id: str) -> ResponseReturnValue:
    return ok(companies.list_contacts(context(), company_id, query()))


@blueprint.post("/contacts/<contact_id>/companies")
def attach(contact_id: str) -> ResponseReturnValue:
    return ok(companies.attach(context(), contact_id, json_body()))


@blueprint.get("/contacts/<contact_id>/companies")
def list_for_contact(contact_id: str) -> ResponseReturnValue:
    return ok(companies.list_for_contact(context(), contact_id, query()))


@blueprint.delete("/contacts/<contact_id>/companies/<company_id>")
def detach(contact_id: str, company_id: str) -> ResponseReturnValue:
    return ok(companies.detach(context(), contact_id, company_id))
