/*
 * The table of xl.cfg keys (xlcfg_keys.h), in the order Xen 4.17's
 * xl.cfg(5) lists them, so that a reader can hold the two side by side.
 * tests/unit/test_xlcfg_keys.c checks it against that page and against
 * the section of our man/xl.cfg.5 that lists it.
 *
 * A key is refused when a guest started without what it asks for would
 * surprise its owner: a device, a passthrough, a security label, a boot
 * path. It is warned of when what it tunes is KVM's or the hypervisor's
 * business here, or concerns a kind of guest Xenolith does not build.
 */
#include "config.h"

#include <string.h>

#include "toolstack/xlcfg_keys.h"

#define ACT(k) {k, XLCFG_ACT, NULL, NULL}
#define WARN(k, why) {k, XLCFG_WARN, why, NULL}
#define REFUSE(k, why) {k, XLCFG_REFUSE, why, NULL}
#define REFUSE_UNLESS(k, why, off) {k, XLCFG_REFUSE, why, off}

/* Reasons several keys share; the man page lists such keys together. */
#define PINNING \
    "the guest's vCPUs are not pinned here; they run on any host CPU Linux's scheduler picks"
#define PV_ONLY "it concerns classic PV guests, which cannot run on KVM"
#define ARM_ONLY "it is an Arm option, and Xenolith runs x86 guests"
#define LIMITS "the hypervisor's fixed limits apply to every domain"
#define NO_SAVE "Xenolith does not save, restore or migrate domains"
#define PCI_ONLY "it concerns PCI passthrough (pci=), which Xenolith refuses"
#define NO_DM \
    "no device model runs here: PVH guests' devices are PV backends in Dom0, and xl " \
    "create cannot build HVM guests yet"
#define HVM_ONLY \
    "it concerns HVM guests' emulated platform; Xenolith builds PVH guests, and xl create " \
    "cannot build HVM guests yet"
#define PAGING "KVM chooses how guest memory is paged (EPT or NPT where the host has them)"
#define TIMERS "KVM's timer and TSC handling applies"
#define NO_SECLABEL \
    "Xenolith has no XSM/FLASK, and the domain would run without the confinement the label " \
    "asks for"
#define PASSTHROUGH \
    "Xenolith cannot pass host devices through to guests, and the guest would start without them"
#define HOST_RESOURCES \
    "Xenolith gives guests no host I/O ports, memory ranges or interrupts, and the guest " \
    "would start without them"
#define NO_USB "Xenolith has no USB support, and the guest would start without its USB devices"

const struct xlcfg_key xlcfg_keys[] = {
    /* Mandatory, guest type */
    ACT("name"),
    ACT("type"),
    ACT("builder"),
    /* CPU allocation */
    WARN("pool", "Xenolith has no CPU pools; the guest's vCPUs run on any host CPU"),
    ACT("vcpus"),
    ACT("maxvcpus"),
    WARN("cpus", PINNING),
    WARN("cpus_soft", PINNING),
    WARN("cpu_weight", "set the weight after create with xl sched-credit -d DOMAIN -w WEIGHT"),
    WARN("cap", "set the cap after create with xl sched-credit -d DOMAIN -c CAP"),
    /* Memory */
    ACT("memory"),
    ACT("maxmem"),
    WARN("vnuma", "the guest sees one NUMA node holding all its memory and vCPUs"),
    /* Events */
    ACT("on_poweroff"),
    ACT("on_reboot"),
    ACT("on_watchdog"),
    ACT("on_crash"),
    ACT("on_soft_reset"),
    /* Direct kernel boot */
    ACT("kernel"),
    ACT("ramdisk"),
    ACT("cmdline"),
    ACT("root"),
    ACT("extra"),
    /* Non-direct kernel boot */
    REFUSE("firmware", "Xenolith loads no firmware (pvgrub, SeaBIOS, OVMF or a file): it boots "
                       "kernel= at its PVH entry point, so the guest would not boot as "
                       "configured"),
    WARN("pvshim", PV_ONLY),
    WARN("pvshim_path", PV_ONLY),
    WARN("pvshim_cmdline", PV_ONLY),
    WARN("pvshim_extra", PV_ONLY),
    /* Other options */
    ACT("uuid"),
    REFUSE("seclabel", NO_SECLABEL),
    REFUSE("init_seclabel", NO_SECLABEL),
    WARN("max_grant_frames", LIMITS),
    WARN("max_maptrack_frames", LIMITS),
    WARN("max_grant_version", LIMITS),
    WARN("nomigrate", NO_SAVE),
    REFUSE("driver_domain", "only Dom0 runs backends here, and the domain would not get the "
                            "rights its backends need"),
    WARN("device_tree", ARM_ONLY),
    REFUSE_UNLESS("passthrough", PASSTHROUGH, "disabled"),
    WARN("xend_suspend_evtchn_compat", NO_SAVE),
    WARN("vmtrace_buf_kb", "Xenolith offers guests no processor trace buffers"),
    WARN("vpmu", "guests get no virtual PMU here"),
    /* Devices */
    ACT("disk"),
    ACT("vif"),
    REFUSE("vtpm", "Xenolith has no vTPM backend, and the guest would start without its TPM"),
    REFUSE("p9", "Xenolith has no 9pfs backend, and the guest would start without its shared "
                 "file systems"),
    REFUSE("pvcalls", "Xenolith has no PV calls backend, and the guest's sockets through it "
                      "would fail"),
    REFUSE("vfb", "Xenolith has no framebuffer backend, and the guest would start without its "
                  "display"),
    REFUSE("channel", "Xenolith has no channel backend, and the guest would start without its "
                      "channels"),
    WARN("rdm", PCI_ONLY),
    REFUSE("usbctrl", NO_USB),
    REFUSE("usbdev", NO_USB),
    REFUSE("pci", PASSTHROUGH),
    WARN("pci_permissive", PCI_ONLY),
    WARN("pci_msitranslate", PCI_ONLY),
    WARN("pci_seize", PCI_ONLY),
    WARN("pci_power_mgmt", PCI_ONLY),
    REFUSE("gfx_passthru", PASSTHROUGH),
    WARN("rdm_mem_boundary", PCI_ONLY),
    REFUSE("dtdev", PASSTHROUGH),
    REFUSE("ioports", HOST_RESOURCES),
    REFUSE("iomem", HOST_RESOURCES),
    REFUSE("irqs", HOST_RESOURCES),
    WARN("max_event_channels", LIMITS),
    REFUSE("vdispl", "Xenolith has no display backend, and the guest would start without its "
                     "displays"),
    WARN("dm_restrict", NO_DM),
    WARN("device_model_user", NO_DM),
    REFUSE("vsnd", "Xenolith has no sound backend, and the guest would start without its sound "
                   "cards"),
    REFUSE("vkb", "Xenolith has no keyboard or pointer backend, and the guest would start "
                  "without its input devices"),
    REFUSE_UNLESS("tee", "Xenolith has no TEE mediator (an Arm feature), and the guest could not "
                         "reach its trusted execution environment", "none"),
    /* PV guests */
    REFUSE("bootloader", "Xenolith runs no bootloader (such as pygrub): give the guest's kernel "
                         "as kernel= (and its initrd as ramdisk=) instead"),
    WARN("bootloader_args", "it concerns bootloader=, which Xenolith refuses"),
    WARN("e820_host", PV_ONLY),
    /* HVM guests */
    WARN("boot", HVM_ONLY),
    WARN("hdtype", HVM_ONLY),
    WARN("hap", PAGING),
    WARN("oos", PAGING),
    WARN("shadow_memory", PAGING),
    WARN("bios", HVM_ONLY),
    WARN("bios_path_override", HVM_ONLY),
    WARN("pae", HVM_ONLY),
    WARN("acpi", HVM_ONLY),
    WARN("acpi_s3", HVM_ONLY),
    WARN("acpi_s4", HVM_ONLY),
    WARN("acpi_laptop_slate", HVM_ONLY),
    WARN("apic", HVM_ONLY),
    WARN("nx", HVM_ONLY),
    WARN("hpet", HVM_ONLY),
    WARN("altp2m", HVM_ONLY),
    WARN("altp2mhvm", HVM_ONLY),
    REFUSE("nestedhvm", "Xenolith offers its guests no nested virtualisation, and a hypervisor "
                        "in the guest would fail to start"),
    REFUSE("cpuid", "Xenolith applies no per-guest CPUID policy, and the guest would see the "
                    "features this hides, or miss those it adds"),
    WARN("acpi_firmware", HVM_ONLY),
    WARN("smbios_firmware", HVM_ONLY),
    WARN("ms_vm_genid", HVM_ONLY),
    WARN("tsc_mode", TIMERS),
    WARN("localtime", HVM_ONLY),
    WARN("rtc_timeoffset", HVM_ONLY),
    WARN("vpt_align", HVM_ONLY),
    WARN("timer_mode", TIMERS),
    WARN("mmio_hole", HVM_ONLY),
    WARN("xen_platform_pci", HVM_ONLY),
    WARN("viridian", HVM_ONLY),
    WARN("videoram", HVM_ONLY),
    WARN("stdvga", HVM_ONLY),
    WARN("vga", HVM_ONLY),
    WARN("vnc", HVM_ONLY),
    WARN("vnclisten", HVM_ONLY),
    WARN("vncdisplay", HVM_ONLY),
    WARN("vncunused", HVM_ONLY),
    WARN("vncpasswd", HVM_ONLY),
    WARN("keymap", HVM_ONLY),
    WARN("sdl", HVM_ONLY),
    WARN("opengl", HVM_ONLY),
    WARN("nographic", HVM_ONLY),
    WARN("spice", HVM_ONLY),
    WARN("spicehost", HVM_ONLY),
    WARN("spiceport", HVM_ONLY),
    WARN("spicetls_port", HVM_ONLY),
    WARN("spicedisable_ticketing", HVM_ONLY),
    WARN("spicepasswd", HVM_ONLY),
    WARN("spiceagent_mouse", HVM_ONLY),
    WARN("spicevdagent", HVM_ONLY),
    WARN("spice_clipboard_sharing", HVM_ONLY),
    WARN("spiceusbredirection", HVM_ONLY),
    WARN("spice_image_compression", HVM_ONLY),
    WARN("spice_streaming_video", HVM_ONLY),
    WARN("serial", HVM_ONLY),
    WARN("soundhw", HVM_ONLY),
    WARN("vkb_device", HVM_ONLY),
    REFUSE("usb", NO_USB),
    WARN("usbversion", "it concerns usb=, which Xenolith refuses"),
    REFUSE("usbdevice", NO_USB),
    WARN("vendor_device", HVM_ONLY),
    /* Device model */
    WARN("device_model_version", NO_DM),
    WARN("device_model_override", NO_DM),
    WARN("stubdomain_kernel", NO_DM),
    WARN("stubdomain_cmdline", NO_DM),
    WARN("stubdomain_ramdisk", NO_DM),
    WARN("stubdomain_memory", NO_DM),
    WARN("device_model_stubdomain_override", NO_DM),
    WARN("device_model_stubdomain_seclabel", NO_DM),
    WARN("device_model_args", NO_DM),
    WARN("device_model_args_pv", NO_DM),
    WARN("device_model_args_hvm", NO_DM),
    /* Architecture specific */
    WARN("gic_version", ARM_ONLY),
    WARN("vuart", ARM_ONLY),
    WARN("mca_caps", HVM_ONLY),
    WARN("msr_relaxed", "Xenolith's own MSR policy applies, the same for every guest"),
};

const size_t xlcfg_keys_count = sizeof(xlcfg_keys) / sizeof(xlcfg_keys[0]);

const struct xlcfg_key *xlcfg_key_find(const char *name)
{
    for (size_t i = 0; i < xlcfg_keys_count; i++)
        if (strcmp(xlcfg_keys[i].name, name) == 0)
            return &xlcfg_keys[i];
    return NULL;
}

const char *xlcfg_disposition_name(enum xlcfg_disposition d)
{
    switch (d) {
    case XLCFG_ACT:
        return "act";
    case XLCFG_WARN:
        return "warn";
    case XLCFG_REFUSE:
        return "refuse";
    }
    return "?";
}

bool xlcfg_key_value_is_off(const struct xlcfg_key *k, const struct xlcfg_value *v)
{
    switch (v->type) {
    case XLCFG_LIST:
        return v->count == 0;
    case XLCFG_NUMBER:
    case XLCFG_STRING: {
        long long n;
        if (xlcfg_number_value(v->text, &n) == 0)
            return n == 0;
        return !*v->text || (k->off_word && strcmp(v->text, k->off_word) == 0);
    }
    }
    return false;
}
