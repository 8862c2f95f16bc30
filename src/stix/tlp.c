/*
 * tlp.c - Traffic Light Protocol markings.
 *
 * STIX 2.1 section 7.2.1.4 fixes four TLP 1.0 marking-definition ids; the
 * five TLP 2.0 ids are those OASIS publishes in cti-stix-common-objects
 * (objects/marking-definition/), defined through the property extension
 * extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d. We recognise
 * both generations on input and emit TLP 2.0.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "stix/stix.h"

#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const struct {
	stix_tlp tlp;
	const char *name;  /* our name, and TLP 2.0's tlp_2_0 value */
	const char *label; /* the marking's "name" */
	const char *id2;   /* TLP 2.0 marking-definition id */
	const char *id1;   /* TLP 1.0 id, NULL where 1.0 had none */
} tlps[] = {
    {TLP_CLEAR, "clear", "TLP:CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
     "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {TLP_GREEN, "green", "TLP:GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {TLP_AMBER, "amber", "TLP:AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
     "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {TLP_AMBER_STRICT, "amber+strict", "TLP:AMBER+STRICT",
     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", NULL},
    {TLP_RED, "red", "TLP:RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
     "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
};

#define N_TLPS (sizeof tlps / sizeof tlps[0])

const char *stix_tlp_name(stix_tlp t)
{
	for (size_t i = 0; i < N_TLPS; i++)
		if (tlps[i].tlp == t)
			return tlps[i].name;
	return "none";
}

int stix_tlp_parse(const char *name, stix_tlp *out)
{
	if (strncasecmp(name, "tlp:", 4) == 0)
		name += 4;
	if (strcasecmp(name, "white") == 0) {
		*out = TLP_CLEAR;
		return 0;
	}
	if (strcasecmp(name, "none") == 0) {
		*out = TLP_NONE;
		return 0;
	}
	for (size_t i = 0; i < N_TLPS; i++) {
		if (strcasecmp(name, tlps[i].name) == 0) {
			*out = tlps[i].tlp;
			return 0;
		}
	}
	return SOL_EUSAGE;
}

const char *stix_tlp_marking_id(stix_tlp t)
{
	for (size_t i = 0; i < N_TLPS; i++)
		if (tlps[i].tlp == t)
			return tlps[i].id2;
	return NULL;
}

stix_tlp stix_tlp_from_marking_id(const char *id)
{
	for (size_t i = 0; i < N_TLPS; i++)
		if (strcmp(id, tlps[i].id2) == 0 || (tlps[i].id1 && strcmp(id, tlps[i].id1) == 0))
			return tlps[i].tlp;
	return TLP_NONE;
}

json_t *stix_tlp_marking_object(stix_tlp t)
{
	for (size_t i = 0; i < N_TLPS; i++) {
		if (tlps[i].tlp != t)
			continue;
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type",
				 "marking-definition", "spec_version", "2.1", "id", tlps[i].id2,
				 "created", "2022-10-01T00:00:00.000Z", "name", tlps[i].label,
				 "extensions", TLP2_EXTENSION, "extension_type",
				 "property-extension", "tlp_2_0", tlps[i].name);
	}
	return NULL;
}
