"""GET /v1/customers/search: Stripe's Search Query Language over customers, in process (every
body checked against the spec) and through the official client over a socket."""
import pytest

from conftest import Api, ten_seconds_apart
from stripe_emu.search import page_token

PARSE_ERROR = ('We were unable to parse your search query. Try using the format '
               '`metadata["key"]:"value"` to query for metadata or key:"value" to query for '
               'other fields.')


def found(api, query, **params):
    """The ids a search answers, newest first."""
    return [c["id"] for c in api.get("/v1/customers/search", {"query": query, **params})["data"]]


def search_error(api, query, **params):
    error = api.get("/v1/customers/search", {"query": query, **params}, status=400)["error"]
    assert error["type"] == "invalid_request_error"
    return error


def customer(api, metadata=(), **params):
    params.update({f"metadata[{key}]": value for key, value in dict(metadata).items()})
    return api.post("/v1/customers", params)["id"]


def test_answers_a_search_result(api):
    amy = api.post("/v1/customers", {"email": "amy@example.com", "name": "Amy"})
    customer(api, email="bob@example.com")
    result = api.get("/v1/customers/search", {"query": "email:'amy@example.com'"})
    assert result == {"object": "search_result", "data": [amy], "has_more": False,
                      "next_page": None, "url": "/v1/customers/search"}
    assert "total_count" not in result


def test_search_is_not_retrieving_a_customer_named_search(api):
    assert api.get("/v1/customers/search", {"query": "name:'x'"})["object"] == "search_result"


# -- exact matches --------------------------------------------------------------------------

def test_exact_string_match_ignores_case_and_needs_whole_words(api):
    amy = customer(api, email="Amy@Example.com")
    customer(api, email="xamy@example.com")
    assert found(api, 'email:"amy@example.com"') == [amy]
    assert found(api, "email:'AMY@EXAMPLE.COM'") == [amy]
    assert found(api, 'email:"amy"') == []


def test_exact_string_match_finds_the_words_in_order(api):
    # Stripe's docs: name:"one two three" matches "one two three" and "one two three four".
    three = customer(api, name="one two three")
    four = customer(api, name="One  Two three four")
    zero = customer(api, name="zero one two three")
    customer(api, name="three two one")
    customer(api, name="one two threes")
    assert found(api, 'name:"one two three"') == [zero, four, three]
    assert found(api, 'name:"  one   two  three "') == [zero, four, three]
    assert found(api, 'name:"two three four"') == [four]


def test_phone_exact_match(api):
    phone = customer(api, phone="+19999999999")
    customer(api, phone="+19999999990")
    assert found(api, 'phone:"+19999999999"') == [phone]
    assert found(api, "phone:19999999999") == []  # one word: "+19999999999"


def test_exact_match_is_unicode_case_insensitive(api):
    elodie = customer(api, name="Élodie Straße")
    assert found(api, "name:'élodie strasse'") == [elodie]


# -- substrings -----------------------------------------------------------------------------

def test_substring_match(api):
    # Stripe's docs: email~"amy" returns matches for amy@rocketrides.io and xamy.
    amy = customer(api, email="amy@rocketrides.io")
    xamy = customer(api, email="xAMY@example.com")
    customer(api, email="bob@example.com")
    assert found(api, 'email~"amy"') == [xamy, amy]
    assert found(api, "email~'ROCKET'") == [amy]
    assert found(api, "name~'amy'") == []


def test_substring_needs_three_characters(api):
    error = search_error(api, 'name~"am"')
    assert error["param"] == "query" and "at least 3 characters" in error["message"]
    assert search_error(api, 'name~"  a "')["param"] == "query"
    customer(api, name="Pam")
    assert len(found(api, 'name~"pam"')) == 1


# -- quoting --------------------------------------------------------------------------------

def test_single_and_double_quotes_with_backslash_escapes(api):
    sky = customer(api, name='the story called "The Sky and the Sea."')
    obrien = customer(api, name="Conan O'Brien")
    slash = customer(api, name="back\\slash")
    assert found(api, r'name:"the story called \"The Sky and the Sea.\""') == [sky]
    assert found(api, r"name:'called \"the sky'") == [sky]
    assert found(api, r"name:'O\'Brien'") == [obrien]
    assert found(api, "name:\"o'brien\"") == [obrien]
    assert found(api, r"name:'back\\slash'") == [slash]


def test_values_are_data_not_sql(api):
    customer(api, name="Amy", metadata={"k": "v"})
    for query in ("name:\"x' OR 1=1 --\"", "name:'%'", "name~'%%%'", "name~'___'",
                  'metadata["k\') OR 1=1 --"]:"v"', "metadata['k']:'v\" OR \"1\"=\"1'"):
        assert found(api, query) == [], query


# -- numbers --------------------------------------------------------------------------------

def test_created_comparisons(app):
    api = Api(app)
    ids = ten_seconds_apart(app, lambda: customer(api))

    def oldest_first(query):
        return found(api, query)[::-1]
    assert oldest_first("created>1700000010") == ids[2:]
    assert oldest_first("created>=1700000010") == ids[1:]
    assert oldest_first("created<1700000010") == ids[:1]
    assert oldest_first("created<=1700000010") == ids[:2]
    assert oldest_first("created:1700000020") == ids[2:3]
    assert oldest_first('created:"1700000020"') == ids[2:3]  # quotes are optional
    assert oldest_first("created>1700000000 AND created<1700000030") == ids[1:3]
    assert oldest_first("created>=1700000009.5 created<=1700000010") == ids[1:2]
    assert oldest_first("-created>1700000010") == ids[:2]


def test_numeric_field_takes_only_numbers(api):
    error = search_error(api, 'created>"yesterday"')
    assert error["message"] == ("Field `created` takes numeric values, but the query gave "
                                "`yesterday`.")
    # Digits of other scripts are not numbers to Stripe, quoted or bare.
    assert search_error(api, 'created>"١٧٠٠"')["message"].endswith("gave `١٧٠٠`.")
    assert search_error(api, "created>١٧٠٠")["message"] == PARSE_ERROR
    assert search_error(api, "created>1²")["message"] == PARSE_ERROR


@pytest.mark.parametrize("number", ["9" * 23, "-" + "9" * 30, "9223372036854775808",
                                    "1" * 4400, "9" * 400 + ".5"], ids=len)
def test_numbers_beyond_64_bits_are_refused(api, number):
    error = search_error(api, f"created>{number}")
    assert error["param"] == "query" and "takes numbers from" in error["message"]
    assert found(api, "created>9223372036854775807") == []  # the largest is fine


# -- metadata -------------------------------------------------------------------------------

def test_metadata_exact_match_in_either_quotes(api):
    donation = customer(api, metadata={"donation-id": "asdf-jkl", "other": "x"})
    customer(api, metadata={"donation-id": "asdf-jkl-2"})
    customer(api, metadata={"other": "asdf-jkl"})
    assert found(api, 'metadata["donation-id"]:"asdf-jkl"') == [donation]
    assert found(api, "metadata['donation-id']:'ASDF-JKL'") == [donation]
    assert found(api, 'metadata["donation-id"]:"asdf"') == []


def test_metadata_keys_with_dots_and_quotes(api):
    dotted = customer(api, metadata={"a.b": "1", 'say "hi"': "yes"})
    assert found(api, "metadata['a.b']:1") == [dotted]
    assert found(api, r'metadata["say \"hi\""]:"yes"') == [dotted]
    assert found(api, "metadata['a']:'1'") == []


def test_metadata_presence_and_absence(api):
    tagged = customer(api, metadata={"donation-id": "1"})
    untagged = customer(api, metadata={"other": "1"})
    bare = customer(api)
    assert found(api, '-metadata["donation-id"]:null') == [tagged]
    assert found(api, 'metadata["donation-id"]:NULL') == [bare, untagged]


def test_metadata_takes_only_exact_matches(api):
    error = search_error(api, 'metadata["k"]~"value"')
    assert error["message"] == "Field `metadata` does not support the `~` operator."
    assert search_error(api, 'metadata:"value"')["message"] == PARSE_ERROR


# -- null, negation, combinations -------------------------------------------------------------

def test_null_finds_missing_values(api):
    with_phone = customer(api, phone="+15555550100")
    without = customer(api)
    assert found(api, "phone:null") == [without]
    assert found(api, "-phone:null") == [with_phone]
    assert found(api, "phone:'null'") == []  # quoted, it is the word "null"
    assert search_error(api, "created>null")["message"] == (
        "Field `created` does not support the `>` operator with `null`.")


def test_negation_keeps_customers_without_the_field(api):
    amy = customer(api, email="amy@example.com")
    bob = customer(api, email="bob@example.com")
    nobody = customer(api)
    assert found(api, '-email:"amy@example.com"') == [nobody, bob]
    assert found(api, '-email~"example"') == [nobody]
    assert found(api, '-email:"amy@example.com" AND -email:null') == [bob]
    assert amy not in found(api, "-name:null")


def test_and_or_and_whitespace(api):
    amy = customer(api, email="amy@example.com", name="Amy", metadata={"tier": "gold"})
    bob = customer(api, email="bob@example.com", name="Bob", metadata={"tier": "gold"})
    customer(api, email="cat@example.com", name="Cat")
    assert found(api, 'metadata["tier"]:"gold" name:"amy"') == [amy]
    assert found(api, 'metadata["tier"]:"gold" AND name:"amy"') == [amy]
    assert found(api, 'metadata["tier"]:"gold" and name:"bob"') == [bob]
    assert found(api, 'name:"amy" OR name:"bob"') == [bob, amy]
    assert found(api, 'name:"amy" or name:"bob" Or email:"nobody@example.com"') == [bob, amy]
    assert found(api, '  name:"amy"\tOR\n name:"bob"   ') == [bob, amy]


def test_and_and_or_cannot_be_mixed(api):
    for query in ('name:"a" AND name:"b" OR name:"c"', 'name:"a" name:"b" OR name:"c"'):
        error = search_error(api, query)
        assert error == {**error, "param": "query", "message": (
            "We were unable to parse your search query. You can't combine AND and OR in the "
            "same query.")}


def test_at_most_ten_clauses(api):
    amy = customer(api, name="Amy")
    ten = " OR ".join(['name:"amy"'] * 10)
    assert found(api, ten) == [amy]
    error = search_error(api, ten + ' OR name:"bob"')
    assert error["message"] == ("We were unable to parse your search query. You can combine up "
                                "to 10 query clauses in a search.")


# -- what is searched -----------------------------------------------------------------------

def test_deleted_customers_never_match(api):
    keep = customer(api, name="Amy")
    gone = customer(api, name="Amy")
    api.delete(f"/v1/customers/{gone}")
    assert found(api, 'name:"amy"') == [keep]
    assert found(api, "-name:'amy'") == []
    assert found(api, "created>0") == [keep]


def test_search_sees_updates(api):
    amy = customer(api, name="Amy", metadata={"k": "1"})
    api.post(f"/v1/customers/{amy}", {"name": "Amelia", "metadata[k]": ""})
    assert found(api, "name:'amy'") == []
    assert found(api, "name:'amelia'") == [amy]
    assert found(api, "metadata['k']:null") == [amy]


def test_accounts_are_isolated(app):
    mine, theirs = Api(app), Api(app, key="sk_test_someoneelse")
    amy = customer(mine, name="Amy")
    other = customer(theirs, name="Amy")
    assert found(mine, 'name:"amy"') == [amy]
    assert found(theirs, 'name:"amy"') == [other]
    assert found(mine, "created>0") == [amy]
    assert found(mine, "-name:'amy'") == []


# -- pages ----------------------------------------------------------------------------------

def test_pages_follow_next_page_newest_first(api):
    ids = [customer(api, metadata={"batch": "b"}) for _ in range(5)][::-1]
    customer(api, metadata={"batch": "other"})
    seen, params = [], {"limit": "2"}
    while True:
        page = api.get("/v1/customers/search", {"query": "metadata['batch']:'b'", **params})
        seen += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            assert page["next_page"] is None
            break
        assert isinstance(page["next_page"], str) and page["next_page"]
        params = {"limit": "2", "page": page["next_page"]}
    assert seen == ids
    assert found(api, "metadata['batch']:'b'") == ids  # limit defaults to 10


def test_next_page_survives_the_deletion_of_its_last_customer(api):
    old, middle, new = (customer(api, name="Amy") for _ in range(3))
    first = api.get("/v1/customers/search", {"query": "name:'amy'", "limit": "2"})
    assert [c["id"] for c in first["data"]] == [new, middle]
    api.delete(f"/v1/customers/{middle}")
    assert found(api, "name:'amy'", page=first["next_page"]) == [old]


@pytest.mark.parametrize("limit, message", [
    ("0", "This value must be greater than or equal to 1."),
    ("101", "This value must be less than or equal to 100."),
])
def test_limit_bounds(api, limit, message):
    error = search_error(api, "name:'amy'", limit=limit)
    assert (error["param"], error["message"]) == ("limit", message)
    assert len(found(api, "name:'amy'", limit="100")) == 0


@pytest.mark.parametrize("page", [
    "nonsense", "c2VxOg", "c2VxOi0x", "!!!", "eyJ9", page_token("9" * 25),
    page_token(2 ** 63), page_token("²"), page_token("١٠"), page_token("1" * 3000)],
    ids=lambda page: page[:40])
def test_a_page_token_not_given_by_search_is_refused(api, page):
    error = search_error(api, "name:'amy'", page=page)
    assert error["param"] == "page" and error["message"].startswith(f"Invalid page: {page}.")


def test_total_count_on_request(api):
    for _ in range(3):
        customer(api, name="Amy")
    customer(api, name="Bob")
    result = api.get("/v1/customers/search", {"query": "name:'amy'", "limit": "1",
                                              "expand[]": "total_count"})
    assert result["total_count"] == 3 and len(result["data"]) == 1 and result["has_more"]


def test_expanding_inside_the_results(api):
    amy = customer(api, name="Amy", source="tok_visa")
    result = api.get("/v1/customers/search", {"query": "name:'amy'",
                                              "expand[]": ["data.default_source",
                                                           "total_count"]})
    assert result["total_count"] == 1 and result["data"][0]["id"] == amy
    assert result["data"][0]["default_source"]["object"] == "card"
    error = search_error(api, "name:'amy'", **{"expand[]": "nonsense"})
    assert error["message"].startswith("This property cannot be expanded (nonsense).")


# -- refused queries ------------------------------------------------------------------------

def test_unknown_fields_are_named(api):
    for field in ("description", "address.city", "EMAIL"):
        error = search_error(api, f'{field}:"x"')
        assert error["message"] == (
            f"Field `{field}` is an unsupported search field for resource `customers`. See "
            "http://stripe.com/docs/search#query-fields-for-customers for a list of supported "
            "fields.")
        assert error["param"] == "query"


@pytest.mark.parametrize("query", [
    "amy",                        # no operator
    "email:amy@example.com",      # strings must be quoted
    'email:"amy',                 # unterminated quote
    "email:'amy\"",               # mismatched quotes
    'email: "amy"',               # whitespace inside a clause
    'email :"amy"',
    'email:"a"name:"b"',          # clauses must be separated
    'email="amy"',                # no such operator
    'email:"a" AND',              # a connector needs a clause on each side
    'AND email:"a"',
    'email:"a" AND OR name:"b"',
    '(email:"a" OR name:"b")',    # no parentheses
    'metadata[k]:"v"',            # the key is quoted
    'metadata["k":"v"',
    "-",
    "   ",
    "created>5)",
])
def test_malformed_queries(api, query):
    error = search_error(api, query)
    assert (error["message"], error["param"]) == (PARSE_ERROR, "query")


def test_operators_a_field_does_not_take(api):
    assert search_error(api, "email>5")["message"] == (
        "Field `email` does not support the `>` operator.")
    assert search_error(api, "created~'123'")["message"] == (
        "Field `created` does not support the `~` operator.")


def test_query_is_required(api):
    for params in ({}, {"query": ""}):
        error = api.get("/v1/customers/search", params, status=400)["error"]
        assert error["message"] == "Missing required param: query."
        assert (error["code"], error["param"]) == ("parameter_missing", "query")


# -- the official client over a socket ------------------------------------------------------

def test_search_and_auto_pagination_through_stripe_python(stripe_http):
    stripe = pytest.importorskip("stripe")
    customers = stripe_http.v1.customers
    amy = customers.create(params={"email": "a@example.com", "name": "Amy"})
    others = [customers.create(params={"name": "Amy", "metadata": {"n": str(i)}}).id
              for i in range(5)]
    result = customers.search(params={"query": "email:'a@example.com'"})
    assert isinstance(result, stripe.SearchResultObject)
    assert [c.id for c in result.data] == [amy.id] and result.has_more is False
    page = customers.search(params={"query": "name:'amy'", "limit": 2,
                                    "expand": ["total_count"]})
    assert page.total_count == 6 and page.has_more and page.next_page
    everyone = [c.id for c in page.auto_paging_iter()]
    assert everyone == others[::-1] + [amy.id]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        customers.search(params={"query": "nickname:'amy'"})
    assert refused.value.http_status == 400 and refused.value.param == "query"
    assert "unsupported search field" in refused.value.user_message
