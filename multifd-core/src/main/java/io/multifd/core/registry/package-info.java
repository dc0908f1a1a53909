/**
 * Discovery of compression methods: {@link io.multifd.core.registry.MethodRegistry} finds every
 * {@link io.multifd.api.MethodProvider} on the module path, the class path and in a plugins
 * folder, checks what each declares, reports broken ones without letting them hide the others,
 * and looks methods up by name.
 *
 * @since 0.1
 */
package io.multifd.core.registry;
