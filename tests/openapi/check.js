// check.js: citybench's OpenAPI document (web/static/api/openapi.json) checked two ways.
//
//   node check.js document [FILE]       the document against the OpenAPI 3.1 schema (a real validator),
//                                       and every schema in it compiled by ajv in strict mode
//   node check.js answers FILE [DOC]    each line of FILE, {"method","path","status","body"} (body: the
//                                       JSON text of an answer), against the schema the document gives
//                                       for that method, path and status; an error on a path the document
//                                       does not name is checked against the Error shape
//
// Prints one line per problem ("not ok - ...") and a summary; exits 1 on any problem, 2 on bad usage.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const DEFAULT_DOC = path.join(__dirname, "..", "..", "web", "static", "api", "openapi.json");
const ROOT_ID = "urn:citybench:openapi";

function load(file) {
	return JSON.parse(fs.readFileSync(file, "utf8"));
}

// The document's schemas as one ajv schema: "#/components/schemas/X" becomes ROOT_ID#/$defs/X.
function makeAjv(doc) {
	const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
	addFormats(ajv);
	ajv.addSchema(rewrite({ $id: ROOT_ID, $defs: doc.components.schemas }));
	return ajv;
}

function rewrite(schema) {
	return JSON.parse(JSON.stringify(schema).split('"#/components/schemas/').join('"' + ROOT_ID + "#/$defs/"));
}

function deref(doc, obj) {
	while (obj && obj.$ref) {
		const parts = obj.$ref.replace(/^#\//, "").split("/");
		obj = parts.reduce((o, k) => (o ? o[k] : undefined), doc);
	}
	return obj;
}

// The operation and path template for a concrete method and path (query string dropped).
function findOperation(doc, method, urlPath) {
	const p = urlPath.split("?")[0];
	for (const tmpl of Object.keys(doc.paths)) {
		const re = new RegExp("^" + tmpl.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+") + "$");
		if (re.test(p)) {
			const op = doc.paths[tmpl][method.toLowerCase()];
			if (op) return { tmpl, op };
		}
	}
	return null;
}

function schemaFor(doc, method, urlPath, status) {
	const found = findOperation(doc, method, urlPath);
	if (!found) {
		if (status >= 400) return { where: "Error (path not in the document)", schema: { $ref: "#/components/schemas/Error" } };
		return { problem: "no operation for " + method + " " + urlPath.split("?")[0] + " in the document" };
	}
	const resp = deref(doc, found.op.responses[String(status)] || found.op.responses.default);
	if (!resp) return { problem: method + " " + found.tmpl + " does not document status " + status };
	const media = resp.content && resp.content["application/json"];
	if (!media || !media.schema) return { problem: method + " " + found.tmpl + " " + status + " has no JSON schema" };
	return { where: method + " " + found.tmpl + " " + status, schema: media.schema };
}

function checkDocument(file) {
	const { Validator } = require("@seriousme/openapi-schema-validator");
	const doc = load(file);
	return new Validator().validate(doc).then((res) => {
		let bad = 0;
		if (!res.valid) {
			bad++;
			console.log("not ok - " + file + " is not a valid OpenAPI document: " + JSON.stringify(res.errors).slice(0, 2000));
		} else {
			console.log("ok - " + file + " is a valid OpenAPI " + doc.openapi + " document");
		}
		try {
			const ajv = makeAjv(doc);
			let n = 0;
			for (const tmpl of Object.keys(doc.paths)) {
				for (const [method, op] of Object.entries(doc.paths[tmpl])) {
					if (!op.responses || !Object.keys(op.responses).length) {
						bad++;
						console.log("not ok - " + method + " " + tmpl + " documents no answer");
						continue;
					}
					for (const [status, r] of Object.entries(op.responses)) {
						const media = (deref(doc, r).content || {})["application/json"];
						if (!media) continue;
						const validate = ajv.compile(rewrite(media.schema));
						n++;
						// The document's own examples must fit their schemas.
						const examples = [];
						if ("example" in media) examples.push(media.example);
						for (const e of Object.values(media.examples || {})) examples.push(e.value);
						for (const ex of examples) {
							if (!validate(ex)) {
								bad++;
								console.log("not ok - the example of " + method + " " + tmpl + " " + status + " does not fit its schema: " + ajv.errorsText(validate.errors));
							}
						}
					}
					const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
					if (body && "example" in body && !ajv.validate(rewrite(body.schema), body.example)) {
						bad++;
						console.log("not ok - the request example of " + method + " " + tmpl + " does not fit its schema: " + ajv.errorsText());
					}
				}
			}
			console.log("ok - " + n + " response schemas compile in ajv's strict mode");
		} catch (e) {
			bad++;
			console.log("not ok - the schemas do not compile: " + e.message);
		}
		return bad;
	});
}

function checkAnswers(file, docFile) {
	const doc = load(docFile);
	const ajv = makeAjv(doc);
	const cache = new Map();
	let bad = 0, n = 0;
	const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
	for (const line of lines) {
		const a = JSON.parse(line);
		n++;
		const what = a.method + " " + a.path + " " + a.status;
		let body;
		try {
			body = JSON.parse(a.body);
		} catch (e) {
			bad++;
			console.log("not ok - " + what + ": the body is not JSON: " + e.message);
			continue;
		}
		const s = schemaFor(doc, a.method, a.path, a.status);
		if (s.problem) {
			bad++;
			console.log("not ok - " + what + ": " + s.problem);
			continue;
		}
		const key = JSON.stringify(s.schema);
		if (!cache.has(key)) cache.set(key, ajv.compile(rewrite(s.schema)));
		const validate = cache.get(key);
		if (!validate(body)) {
			bad++;
			console.log("not ok - " + what + " does not fit " + s.where + ": " + ajv.errorsText(validate.errors).slice(0, 1000));
		}
	}
	console.log("# " + n + " answers checked, " + bad + " did not fit the document");
	return bad;
}

async function main() {
	const [mode, file, docFile] = process.argv.slice(2);
	let bad;
	if (mode === "document") {
		bad = await checkDocument(file || DEFAULT_DOC);
	} else if (mode === "answers" && file) {
		bad = checkAnswers(file, docFile || DEFAULT_DOC);
	} else {
		console.error("usage: node check.js document [FILE] | answers FILE [DOC]");
		process.exit(2);
	}
	process.exit(bad ? 1 : 0);
}
main().catch((e) => {
	console.log("not ok - " + e.stack);
	process.exit(1);
});
