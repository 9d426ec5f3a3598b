/* What the builder's LocaleCHelper (@CContext LocaleDirectives) expects: the @CStruct svm_locale_props_t, two
 * @CConstant status codes and the two functions that fill it in (implemented in ../shims.c). */
#ifndef TCP_SVM_LOCALE_H
#define TCP_SVM_LOCALE_H

#define SVM_LOCALE_INITIALIZATION_SUCCEEDED 0
#define SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY 1

/* Each field is a locale part, or NULL when the C locale does not say; "display" and "format" mirror the JDK's
 * LC_MESSAGES and LC_CTYPE/LC_NUMERIC split. */
typedef struct {
  char *display_language;
  char *display_script;
  char *display_country;
  char *display_variant;
  char *format_language;
  char *format_script;
  char *format_country;
  char *format_variant;
} svm_locale_props_t;

int svm_initialize_locale(void);
svm_locale_props_t *svm_get_locale(void);

#endif
