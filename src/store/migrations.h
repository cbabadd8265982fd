#ifndef INGOT_MIGRATIONS_H
#define INGOT_MIGRATIONS_H
extern const char *const store_migrations[];
extern const int store_nmigrations;
#endif
