/* test_qlang.c: a questionnaire's texts in a language, English where the translation is missing. */
#include <string.h>

#include "qlang.h"
#include "t.h"

int
main(void)
{
	json_t *qs = json_loads("[{\"code\":\"a\",\"type\":\"single\",\"text\":\"How?\",\"text_fr\":\"Comment\\u202f?\","
	    "\"options\":[{\"code\":\"x\",\"label\":\"X\",\"label_fr\":\"Ix\",\"help\":\"h\",\"help_fr\":\"aide\"},"
	    "{\"code\":\"y\",\"label\":\"Y\",\"help\":\"hy\"},{\"code\":\"z\",\"label\":\"Z\",\"label_fr\":\"\"}]},"
	    "{\"code\":\"b\",\"type\":\"bool\",\"text\":\"Yes?\"}]", 0, NULL);
	json_t *fr, *en, *o;

	CHECK(qs != NULL, "the test list parses");
	fr = qlang_questions(qs, "fr");
	en = qlang_questions(qs, "en");
	CHECK(fr && strcmp(json_string_value(json_object_get(json_array_get(fr, 0), "text")), "Comment\xe2\x80\xaf?") == 0,
	    "fr: a question's text is its text_fr");
	o = json_array_get(json_object_get(json_array_get(fr, 0), "options"), 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")), "Ix") == 0 &&
	    strcmp(json_string_value(json_object_get(o, "help")), "aide") == 0, "fr: an option's label and help");
	CHECK(json_object_get(o, "label_fr") == NULL && json_object_get(o, "help_fr") == NULL &&
	    json_object_get(json_array_get(fr, 0), "text_fr") == NULL, "fr: the suffixed keys are gone");
	o = json_array_get(json_object_get(json_array_get(fr, 0), "options"), 1);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")), "Y") == 0 &&
	    strcmp(json_string_value(json_object_get(o, "help")), "hy") == 0, "fr: no label_fr, help_fr: the English");
	o = json_array_get(json_object_get(json_array_get(fr, 0), "options"), 2);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")), "Z") == 0, "fr: an empty label_fr: the English");
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(fr, 1), "text")), "Yes?") == 0,
	    "fr: a question without text_fr: the English");
	CHECK(en && strcmp(json_string_value(json_object_get(json_array_get(en, 0), "text")), "How?") == 0 &&
	    json_object_get(json_array_get(en, 0), "text_fr") == NULL, "en: the English, without the French");
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(qs, 0), "text")), "How?") == 0,
	    "the source list is unchanged");
	CHECK(strcmp(qlang_str(json_array_get(qs, 0), "text", "fr"), "Comment\xe2\x80\xaf?") == 0 &&
	    strcmp(qlang_str(json_array_get(qs, 0), "text", NULL), "How?") == 0 &&
	    qlang_str(json_array_get(qs, 0), "nothing", "fr") == NULL, "qlang_str: fr, English, missing");
	json_decref(fr);
	json_decref(en);
	json_decref(qs);
	return T_DONE();
}
